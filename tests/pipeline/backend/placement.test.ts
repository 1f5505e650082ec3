import { describe, expect, it } from 'vitest';
import { countPlacementLogLines, countProfiledNodes, renameProviders } from '../../../src/pipeline/backend/placement';

// Lines as onnxruntime-web 1.30 printed them in headless Chromium for the tiny fixture's denoiser.
const webgpuWithoutOverrides = [
  '2026-11-23 19:03:01.527290 [V:onnxruntime:, session_state.cc:1377 VerifyEachNodeIsAssignedToAnEp] Node placements',
  '2026-11-23 19:03:01.527415 [V:onnxruntime:, session_state.cc:1380 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 15',
  ' Shape (Shape_0), Gather (Gather_1), ',
  '2026-11-23 19:03:01.527415 [V:onnxruntime:, session_state.cc:1380 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 155',
];

describe('countPlacementLogLines', () => {
  it('counts nodes per provider when several are used', () => {
    expect(countPlacementLogLines(webgpuWithoutOverrides)).toEqual({
      CPUExecutionProvider: 15,
      WebGpuExecutionProvider: 155,
    });
  });

  it('reads the single-provider form and adds subgraphs up', () => {
    const lines = [
      '[V:onnxruntime:, session_state.cc:1380 VerifyEachNodeIsAssignedToAnEp]  All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 127',
      '[V:onnxruntime:, session_state.cc:1380 VerifyEachNodeIsAssignedToAnEp]  All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 3',
    ];
    expect(countPlacementLogLines(lines)).toEqual({ WebGpuExecutionProvider: 130 });
  });

  it('finds nothing in unrelated lines', () => {
    expect(
      countPlacementLogLines([
        '[I:onnxruntime:, inference_session.cc:3094 Initialize] Session successfully initialized.',
      ]),
    ).toEqual({});
  });
});

describe('countProfiledNodes', () => {
  it('counts distinct nodes per provider from kernel events', () => {
    const profile = [
      { cat: 'Session', name: 'model_loading_array', args: {} },
      { cat: 'Node', name: 'mm_kernel_time', args: { op_name: 'MatMul', provider: 'CPUExecutionProvider' } },
      { cat: 'Node', name: 'mm_fence_before', args: { op_name: 'MatMul' } },
      { cat: 'Node', name: 'relu_kernel_time', args: { op_name: 'Relu', provider: 'CPUExecutionProvider' } },
      { cat: 'Node', name: 'mm_kernel_time', args: { op_name: 'MatMul', provider: 'CPUExecutionProvider' } },
      { cat: 'Node', name: 'conv_kernel_time', args: { op_name: 'Conv', provider: 'WebGpuExecutionProvider' } },
    ];
    expect(countProfiledNodes(profile)).toEqual({ CPUExecutionProvider: 2, WebGpuExecutionProvider: 1 });
  });

  it('tolerates a profile that is not an array', () => {
    expect(countProfiledNodes({})).toEqual({});
  });
});

describe('renameProviders', () => {
  it('maps EP names to device names and keeps unknown ones', () => {
    expect(
      renameProviders(
        { WebGpuExecutionProvider: 3, CPUExecutionProvider: 1, XnnpackExecutionProvider: 2 },
        { WebGpuExecutionProvider: 'webgpu', CPUExecutionProvider: 'wasm' },
      ),
    ).toEqual({
      webgpu: 3,
      wasm: 1,
      XnnpackExecutionProvider: 2,
    });
  });
});
