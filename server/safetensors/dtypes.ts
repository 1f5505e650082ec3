/** The safetensors element types we accept and their sizes in bytes. */

/**
 * Bytes per element. Sub-byte types (F4, F6_*) are left out on purpose: their byte sizes are not
 * `elements × size`, and no LoRA trainer we know of writes them.
 */
export const DTYPE_BYTES: Readonly<Record<string, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  F8_E8M0: 1,
};

/** The accepted dtype names, for error messages. */
export const DTYPES = Object.keys(DTYPE_BYTES);
