// Vite resolves `?url` imports to the emitted asset's URL; declared here because the pipeline's
// tsconfig has no `vite/client` types.
declare module '@ffmpeg/core?url' {
  const url: string;
  export default url;
}
declare module '@ffmpeg/core/wasm?url' {
  const url: string;
  export default url;
}
