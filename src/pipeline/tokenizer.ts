/** The word-level tokenizer of Phosphene's built-in models (`tokenizer.json`, type `word-level`). */
import { ModelPackageError } from '../shared/errors';
import { z } from '../shared/zod-mini';

const tokenizerSchema = z
  .object({
    type: z.literal('word-level'),
    lowercase: z.boolean(),
    vocab: z.array(z.string().check(z.minLength(1))).check(z.minLength(4)),
    pad_id: z.number().check(z.int(), z.nonnegative()),
    unk_id: z.number().check(z.int(), z.nonnegative()),
    bos_id: z.number().check(z.int(), z.nonnegative()),
    eos_id: z.number().check(z.int(), z.nonnegative()),
    max_length: z.number().check(z.int(), z.gte(2), z.lte(512)),
  })
  .check(
    z.superRefine((t, ctx) => {
      for (const key of ['pad_id', 'unk_id', 'bos_id', 'eos_id'] as const) {
        if (t[key] >= t.vocab.length)
          ctx.addIssue({ code: 'custom', path: [key], message: `is outside the vocabulary (${t.vocab.length} words)` });
      }
    }),
  );

/** A validated `tokenizer.json`. */
export type TokenizerConfig = z.infer<typeof tokenizerSchema>;

/** Turns prompts into fixed-length id sequences: `<s> words… </s> <pad>…`. */
export class WordTokenizer {
  private readonly ids: Map<string, number>;

  /** Validates untrusted tokenizer JSON; throws `ModelPackageError` naming the bad fields. */
  static fromJson(json: unknown, where = 'tokenizer.json'): WordTokenizer {
    const parsed = tokenizerSchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`);
      throw new ModelPackageError(`${where} is not a valid word-level tokenizer: ${problems.join('; ')}.`);
    }
    return new WordTokenizer(parsed.data);
  }

  constructor(readonly config: TokenizerConfig) {
    this.ids = new Map(config.vocab.map((word, id) => [word, id]));
  }

  /** The fixed sequence length every prompt is padded or truncated to. */
  get maxLength(): number {
    return this.config.max_length;
  }

  /** Words as the model was trained on them: maximal runs of letters, lowercased when the tokenizer says so. */
  words(text: string): string[] {
    const source = this.config.lowercase ? text.toLowerCase() : text;
    return source.match(/\p{L}+/gu) ?? [];
  }

  /** Encodes one prompt; unknown words become `unk_id`, long prompts are cut before `</s>`. */
  encode(text: string): number[] {
    const { bos_id, eos_id, pad_id, unk_id, max_length } = this.config;
    const body = this.words(text)
      .slice(0, max_length - 2)
      .map((w) => this.ids.get(w) ?? unk_id);
    const ids = [bos_id, ...body, eos_id];
    while (ids.length < max_length) ids.push(pad_id);
    return ids;
  }
}
