/** Options shared by the MP4 encoders. */
export interface EncodeOptions {
  fps: number;
  signal?: AbortSignal;
  /** Called after each frame is handed to the encoder. */
  onFrame?: (frame: number, totalFrames: number) => void;
}

/** Which encoder a job asks for: `auto` uses WebCodecs where it can and ffmpeg.wasm otherwise. */
export type EncoderChoice = 'auto' | 'webcodecs' | 'ffmpeg.wasm';
