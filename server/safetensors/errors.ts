/** The one error a safetensors check throws; its message says which rule the file broke. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}
