/** The text encoder graph: token ids `[B, L]` → hidden states `[B, L, D]`. */
import type { GraphSession } from '../backend/types';
import { intInput, readFloat } from '../tensor-io';
import type { VideoPipeline } from '../video-pipeline';

/** Tokenizes and encodes prompts as one batch (negative prompt first when guidance is on). */
export async function encodePrompts(
  pipe: VideoPipeline,
  prompts: readonly string[],
): Promise<{ hiddenStates: Float32Array; dims: readonly number[]; session: GraphSession }> {
  const spec = pipe.manifest.graphs.text_encoder;
  const ids = prompts.flatMap((p) => pipe.tokenizer.encode(p));
  const dims = [prompts.length, pipe.tokenizer.maxLength];
  const session = await pipe.session('text_encoder', { [spec.inputs.input_ids.name]: dims });
  const outputs = await session.run({ [spec.inputs.input_ids.name]: intInput(spec.inputs.input_ids.dtype, ids, dims) });
  const { data, dims: outDims } = readFloat(outputs[spec.outputs.hidden_states.name], 'hidden_states');
  return { hiddenStates: data, dims: outDims, session };
}
