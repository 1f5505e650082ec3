/**
 * Learning where ONNX Runtime put each node. ONNX Runtime has no JS API for it; it reports it in two
 * places, which the two backends use:
 *
 * 1. At session creation, with the session's log severity at VERBOSE (0), `SessionState::
 *    VerifyEachNodeIsAssignedToAnEp` logs "Node placements" and, per execution provider,
 *    " All nodes placed on [CPUExecutionProvider]. Number of nodes: 4" (one EP) or
 *    " Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 12" (several), once per graph and
 *    subgraph. See onnxruntime/core/framework/session_state.cc,
 *    https://github.com/microsoft/onnxruntime/blob/v1.30.0/onnxruntime/core/framework/session_state.cc
 *    onnxruntime-web's wasm module prints these lines through `console.error` (its Emscripten
 *    `printErr`), so a browser can read them; onnxruntime-node writes them to the native stderr.
 * 2. With `enableProfiling`, the profile JSON (Chrome trace format) has one `"cat": "Node"` event per
 *    kernel run, `name` `<node>_kernel_time` and `args.provider`. onnxruntime-node writes it to
 *    `<profileFilePrefix>_<date>.json` on `endProfiling()`; onnxruntime-web writes it inside the wasm
 *    file system, where JS cannot read it.
 * Both count nodes after graph optimisation (fusions, constant folding), i.e. the kernels that run.
 */

/** Adds up the per-EP node counts of ONNX Runtime's verbose "Node placements" log lines. */
export function countPlacementLogLines(lines: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  const pattern = /(?:All nodes|Node\(s\)) placed on \[([A-Za-z0-9_]+)\]\. Number of nodes: (\d+)/;
  for (const line of lines) {
    const match = pattern.exec(line);
    if (match) counts[match[1]!] = (counts[match[1]!] ?? 0) + Number(match[2]);
  }
  return counts;
}

/** Counts distinct nodes per EP in an ONNX Runtime profile (the parsed JSON array). */
export function countProfiledNodes(profile: unknown): Record<string, number> {
  const nodesByProvider = new Map<string, Set<string>>();
  for (const event of Array.isArray(profile) ? profile : []) {
    const { cat, name, args } = (event ?? {}) as { cat?: unknown; name?: unknown; args?: { provider?: unknown } };
    if (cat !== 'Node' || typeof name !== 'string' || !name.endsWith('_kernel_time')) continue;
    const provider = typeof args?.provider === 'string' ? args.provider : 'unknown';
    const nodes = nodesByProvider.get(provider) ?? new Set<string>();
    nodes.add(name.slice(0, -'_kernel_time'.length));
    nodesByProvider.set(provider, nodes);
  }
  return Object.fromEntries([...nodesByProvider].map(([provider, nodes]) => [provider, nodes.size]));
}

/** Renames ONNX Runtime EP names to the device names of the protocol (`WebGpuExecutionProvider` → `webgpu`). */
export function renameProviders(counts: Record<string, number>, names: Record<string, string>): Record<string, number> {
  const renamed: Record<string, number> = {};
  for (const [provider, count] of Object.entries(counts)) {
    const name = names[provider] ?? provider;
    renamed[name] = (renamed[name] ?? 0) + count;
  }
  return renamed;
}
