/**
 * A Node generation straight into an MP4: the frames go to the encoder chunk by chunk as the VAE decodes
 * them, so a long clip's raw frames are never all in memory (1920×1080×153 RGBA alone is 1.27 GB). The
 * server's jobs, the CLI and the memory benchmark all take this path.
 */
import { writeRecipe } from '../../src/pipeline/mp4-recipe';
import type { NodeGenerate, NodeGenerated, NodeGenerateRequest } from '../models/node-generate';
import { openMp4Node, type NodeMp4Options, type NodeMp4Writer } from './encode-mp4-node';

/** Runs `generate` into an MP4 that carries the recipe; returns the file and what generated it. */
export async function generateMp4(
  generate: NodeGenerate,
  request: NodeGenerateRequest,
  encoding: NodeMp4Options & { open?: typeof openMp4Node },
): Promise<{ mp4: Uint8Array; generated: NodeGenerated }> {
  const { open = openMp4Node, ...options } = encoding;
  let writer: NodeMp4Writer | undefined;
  try {
    const generated = await generate(request, async (chunk) => {
      writer ??= await open(chunk.width, chunk.height, options);
      writer.add(chunk);
    });
    if (!writer) throw new Error('the pipeline finished without handing over any frames');
    // The clip carries its recipe: `npm run generate -- --recipe` re-makes it on any machine.
    return { mp4: writeRecipe(writer.finish(), generated.recipe), generated };
  } finally {
    writer?.close();
  }
}
