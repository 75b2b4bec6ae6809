import type * as tf from '@tensorflow/tfjs';

/**
 * The kernels this package registers with tfjs, with the inputs and attributes each takes, as
 * tfjs-core's kernel_names.ts declares its own: one declaration that the kernels (register.ts,
 * tensorflow-block.ts) and their callers (src/dispatch/) both compile against, through the typed
 * `runKernel` and `registerKernel` of run-kernel.ts.
 *
 * Inputs are `tf.TensorInfo`s: what a kernel receives, and what a `tf.Tensor` passed by a caller
 * is.
 */

/** Attributes of the fused forward and backward kernels. */
export interface LstmSequenceAttrs {
  /** Process the sequence from its last step to its first (the reverse direction). */
  reverse: boolean;
  /** Valid length of each batch entry; empty when every sequence has all T steps. */
  lengths: number[];
}

/**
 * One LSTM layer direction's forward over a whole sequence, as one kernel
 * (`lstmForwardKernel`). Two names, so that the registered gradient of each knows which inputs it
 * saved: `LSTM_FORWARD` without projections, `LSTM_FORWARD_PROJ` with (`weightHr` given).
 * Outputs [output [T, N, P], hN [N, P], cN [N, H]].
 */
export const LSTM_FORWARD = 'TfjsLstmForward';
export const LSTM_FORWARD_PROJ = 'TfjsLstmForwardProj';
export type LstmForwardAttrs = LstmSequenceAttrs;

export interface LstmForwardInputs {
  /** [T, N, I], padding already zeroed. */
  x: tf.TensorInfo;
  h0: tf.TensorInfo;
  c0: tf.TensorInfo;
  weightIh: tf.TensorInfo;
  weightHh: tf.TensorInfo;
  biasIh?: tf.TensorInfo;
  biasHh?: tf.TensorInfo;
  /** Only for `LSTM_FORWARD_PROJ`. */
  weightHr?: tf.TensorInfo;
  /**
   * For training, the backward pass's cache, which the kernel fills (its out-parameters, made by
   * `LSTM_CACHE` just before): gates (activated) [T, N, 4H], cPrev [T, N, H],
   * xh ([x_t | h_{t-1}]) [T, N, I + P], tanhC [T, N, H], each indexed by time.
   */
  gates?: tf.TensorInfo;
  cPrev?: tf.TensorInfo;
  xh?: tf.TensorInfo;
  tanhC?: tf.TensorInfo;
  /**
   * The weights already in the layout the kernel's step loop wants (`LSTM_PREPARE`'s outputs, kept
   * by the caller between calls); in inference only, as the gradient sees the parameters alone.
   * Without them the kernel prepares its own from the parameters, as `LSTM_PREPARE` does.
   */
  gateKernel?: tf.TensorInfo;
  gateBias?: tf.TensorInfo;
  projectionKernel?: tf.TensorInfo;
}

/**
 * The weights of one layer direction in the layout of the forward kernel's step loop, which the
 * forward kernel otherwise makes at every call: [gateKernel [I + P, 4H] (W_ih^T stacked on W_hh^T,
 * scaled as the backend's gate activation expects), gateBias [4H] (b_ih + b_hh; with biases only),
 * projectionKernel [H, P] (W_hr^T; with `weightHr` only)]. The layout depends on the backend and on
 * `TFJSLSTM_SIMD_LOOPS`: a prepared set serves only the backend and flags it was made under.
 */
export const LSTM_PREPARE = 'TfjsLstmPrepare';

export interface LstmPrepareInputs {
  weightIh: tf.TensorInfo;
  weightHh: tf.TensorInfo;
  biasIh?: tf.TensorInfo;
  biasHh?: tf.TensorInfo;
  weightHr?: tf.TensorInfo;
}

/**
 * One step of one LSTM layer direction for inference (`lstmStepKernel`), from weights already
 * prepared by `LSTM_PREPARE`. No gradient: a recorded step runs the sequence kernel with T = 1.
 * Outputs [h' [N, P], c' [N, H]].
 */
export const LSTM_STEP = 'TfjsLstmStep';

export interface LstmStepInputs {
  /** [N, I] */
  x: tf.TensorInfo;
  /** [N, P] */
  h: tf.TensorInfo;
  /** [N, H] */
  c: tf.TensorInfo;
  /** `LSTM_PREPARE`'s outputs. */
  gateKernel: tf.TensorInfo;
  gateBias?: tf.TensorInfo;
  projectionKernel?: tf.TensorInfo;
}

/**
 * What the registered gradients of the forward kernels save, in this order: the weights and the
 * cache the forward filled (`weightHr` between them for `LSTM_FORWARD_PROJ`).
 */
export const LSTM_FORWARD_SAVED = ['weightIh', 'weightHh', 'gates', 'cPrev', 'xh', 'tanhC'] as const;
export const LSTM_FORWARD_PROJ_SAVED = ['weightIh', 'weightHh', 'weightHr', 'gates', 'cPrev', 'xh', 'tanhC'] as const;

/**
 * Makes the forward kernel's cache, uninitialised: [gates, cPrev, xh, tanhC] (see
 * `LstmForwardInputs`). No inputs.
 */
export const LSTM_CACHE = 'TfjsLstmCache';

/** Sizes of the cache a forward kernel fills. */
export interface LstmCacheAttrs {
  steps: number;
  batch: number;
  hidden: number;
  /** I + P */
  width: number;
}

/**
 * Backpropagation through time for the forward kernel (`lstmBackwardKernel`). Outputs
 * [dZ^T [4H, T N], dh0, dc0, dBias [4H]], then with `weightHr` [dHNew^T [P, T N], R [T N, H]], and
 * last the gradient-flow statistics [T, 2]: per step, the L2 norms of dL/dh_t and dL/dc_t.
 */
export const LSTM_BACKWARD = 'TfjsLstmBackward';
export type LstmBackwardAttrs = LstmSequenceAttrs;

export interface LstmBackwardInputs {
  /** dL/d output [T, N, P], dL/d h_n [N, P], dL/d c_n [N, H]. */
  dOutput: tf.TensorInfo;
  dhN: tf.TensorInfo;
  dcN: tf.TensorInfo;
  /** The forward's recurrent weights. */
  weightHh: tf.TensorInfo;
  weightHr?: tf.TensorInfo;
  /** The forward kernel's cache. */
  gates: tf.TensorInfo;
  cPrev: tf.TensorInfo;
  tanhC: tf.TensorInfo;
}

/**
 * A plain product a b with this package's fast products (the cpu backend's own matMul is 4x
 * slower). One output; with `split`, two: the first `split` columns and the rest.
 */
export const LSTM_PRODUCT = 'TfjsLstmProduct';

export interface LstmProductInputs {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
}

export interface LstmProductAttrs {
  split?: number;
}

/**
 * The `tensorflow` backend's kernels (tensorflow-block.ts): TensorFlow's `BlockLSTMV2` forward
 * and `BlockLSTMGradV2` backward ops, one layer direction each. Gates in PyTorch's order i, f, g,
 * o; the weight is `[W_ih^T; W_hh^T]` ([I + H, 4H]) and the bias `b_ih + b_hh` ([4H]). The
 * forward's outputs are `LSTM_BLOCK_OUTPUTS`; the backward's dx, dc0, dh0, dw, db.
 */
export const LSTM_BLOCK_FORWARD = 'TfjsLstmBlockForward';
export const LSTM_BLOCK_BACKWARD = 'TfjsLstmBlockBackward';

/** The block forward's outputs, each [T, N, H], in BlockLSTMV2's order (ci is g, co is tanh(c)). */
export const LSTM_BLOCK_OUTPUTS = ['i', 'cs', 'f', 'o', 'ci', 'co', 'h'] as const;

/** Attributes of both block kernels: how many leading steps the op runs (later steps come out zero). */
export interface LstmBlockAttrs {
  seqLenMax: number;
}

export interface LstmBlockForwardInputs {
  /** [T, N, I] */
  x: tf.TensorInfo;
  /** [N, H] */
  h0: tf.TensorInfo;
  c0: tf.TensorInfo;
  /** [I + H, 4H] */
  w: tf.TensorInfo;
  /** [4H] */
  b: tf.TensorInfo;
}

/**
 * The forward's inputs and outputs, and dL/dh_t, dL/dc_t from outside the recurrence (`hGrad`,
 * `csGrad`, [T, N, H]: the output's gradient, plus dL/dh_n and dL/dc_n at each sequence's last
 * step).
 */
export type LstmBlockBackwardInputs = LstmBlockForwardInputs &
  Record<(typeof LSTM_BLOCK_OUTPUTS)[number], tf.TensorInfo> & {
    hGrad: tf.TensorInfo;
    csGrad: tf.TensorInfo;
  };

/**
 * The `webgl` backend's kernels of webgl-cell.ts, for layers with projections (the others run the
 * step programs below). `LSTM_WEBGL_CELL`: in inference, one step's gate arithmetic and state
 * update as one shader program, [c' | r] ([N, 2H]) from rows [offset, offset + N) of the input's
 * projection `xz` ([T N, 4H], x W_ih^T + b), the recurrent product `hz` ([N, 4H], h W_hh^T) and
 * `c` ([N, H]). `LSTM_WEBGL_UNPACKED`: a copy of a 2-D tensor in an unpacked texture, the layout
 * that program reads (tfjs would otherwise unpack the whole of `xz` again at every step).
 */
export const LSTM_WEBGL_CELL = 'TfjsLstmWebglCell';
/** For training: the same inputs; [i | f | g | o | c' | tanh(c') | r] ([N, 7H]), the step's cache. */
export const LSTM_WEBGL_CELL_CACHE = 'TfjsLstmWebglCellCache';
/**
 * One step of BPTT: [dZ_t | dc_{t-1}] ([N, 5H]) from the step's cache `a` ([N, 7H]), `cPrev`
 * (c_{t-1}), `dr` (dL/dr_t) and `dc` (dL/dc_t carried from step t+1), each [N, H].
 */
export const LSTM_WEBGL_BACKWARD = 'TfjsLstmWebglBackward';
export const LSTM_WEBGL_UNPACKED = 'TfjsLstmWebglUnpacked';
/**
 * One GRU step for inference on `webgl`, as one shader program: h' ([N, H]) from rows
 * [offset, offset + N) of the input's projection `xz` ([T N, 3H], x W_ih^T + b_ih, unpacked), the
 * recurrent product `hz` ([N, 3H], h W_hh^T), its bias `bh` ([1, 3H], b_hh; zeros without bias)
 * and `h` ([N, H]).
 */
export const GRU_WEBGL_CELL = 'TfjsGruWebglCell';
/**
 * One GRU step for inference on `webgl` with the recurrent product inside the program (H even):
 * h' ([N, H]) from `h`, the input's projection `xz` ([T, N, 3H], x W_ih^T + b_ih with b_hr and
 * b_hz added), `w` = W_hh ([3H, H]), `bn` = b_hn ([1, H]); `valid` ([T, N]) where rows lack steps.
 */
export const GRU_WEBGL_STEP = 'TfjsGruWebglStep';

/**
 * The `webgl` kernels of webgl-step-programs.ts: the LSTM with the recurrent product inside each
 * step's shader program (that file describes the layouts). `LSTM_WEBGL_STEP`: one forward step
 * for inference, the interleaved state S_t from `s` (S_{t-1}), the gate texels of the input's
 * projection `xz` ([2 T N, 2H]) and the weight texels `w`; `valid` ([T, N], 1 or 0) where rows
 * lack steps. `LSTM_WEBGL_GATES` and `LSTM_WEBGL_STATE`: the same step for training in two
 * programs, the activated gates A_t ([N, 4H], from `xz` [T, N, 4H] and `w` = W_hh) and then the
 * split state S_t. `LSTM_WEBGL_DH` and `LSTM_WEBGL_DZ`: a backward step, the carried dL/dh
 * ([N, H], from `wt` = W_hh^T) and then [dZ_t | dc_{t-1}] ([N, 5H]). `LSTM_WEBGL_LAYOUT`: the
 * conversions into and out of those layouts (`WebglLayout`).
 */
export const LSTM_WEBGL_STEP = 'TfjsLstmWebglStep';
export const LSTM_WEBGL_GATES = 'TfjsLstmWebglGates';
export const LSTM_WEBGL_STATE = 'TfjsLstmWebglState';
export const LSTM_WEBGL_DH = 'TfjsLstmWebglDh';
export const LSTM_WEBGL_DZ = 'TfjsLstmWebglDz';
export const LSTM_WEBGL_LAYOUT = 'TfjsLstmWebglLayout';
/**
 * Up to the sampler limit of steps' textures (inputs x0, x1, ...) read out at once into tfjs'
 * layout (`WebglGather`).
 */
export const LSTM_WEBGL_GATHER = 'TfjsLstmWebglGather';

/**
 * `LSTM_WEBGL_GATHER`'s readings: 'outputs', h of states S_t ([K, N, H], zero where `valid` is 0,
 * steps `first` on; with `tail`, h and c of the last input, the final state, as two more rows);
 * 'dz', dZ_t of `LSTM_WEBGL_DZ` outputs ([K, N, 4H]); 'rows', [N, H] textures (a GRU's h_t) as
 * [K, N, H], zero where `valid` is 0; 'concat', chunks of `chunk` steps (the
 * last holds the rest) joined along the first axis. `shape` is [N], or the joined shape for
 * 'concat'; `unpacked` asks for an unpacked output texture.
 */
export type WebglGather = 'outputs' | 'dz' | 'rows' | 'concat';

/**
 * `LSTM_WEBGL_LAYOUT`'s conversions, of its input `x` (and `y`): 'gates', a [R, 4H] matrix to
 * gate texels; 'weights', W_hh to weight texels; 'state', h (`x`) and c (`y`) to S; 'h' and 'c',
 * S to h or c; 'packed', `x` in a packed texture (itself when it is one). `shape` is the output's
 * leading dimensions ([R] or [N]; x's shape for 'packed'). `split` names the state's layout.
 */
export type WebglLayout = 'gates' | 'weights' | 'state' | 'h' | 'c' | 'packed';

/** The sizes and step of the webgl step kernels. */
export interface WebglStepAttrs {
  batch: number;
  hidden: number;
  t: number;
}

export interface LstmWebglCellInputs {
  xz: tf.TensorInfo;
  hz: tf.TensorInfo;
  c: tf.TensorInfo;
}

/**
 * One GRU layer direction's forward over a whole sequence, as one kernel (`gruForwardKernel`):
 * outputs [output [T, N, H], hN [N, H]]. For training it also fills the cache given as inputs
 * (`gates`, `hPrev`, made empty by `HIDDEN_CACHE`; inputs, not outputs, for the reason
 * `lstmCacheKernel` gives). Its registered gradient (hidden-gradient.ts) is the hand-derived BPTT.
 */
export const GRU_FORWARD = 'TfjsGruForward';

/** Attributes of the GRU and RNN kernels: the sequence's. */
export type HiddenForwardAttrs = LstmSequenceAttrs;

/** Inputs of the GRU and RNN forward kernels. */
export interface HiddenForwardInputs {
  /** [T, N, I], padding already zeroed. */
  x: tf.TensorInfo;
  /** [N, H] */
  h0: tf.TensorInfo;
  weightIh: tf.TensorInfo;
  weightHh: tf.TensorInfo;
  biasIh?: tf.TensorInfo;
  biasHh?: tf.TensorInfo;
  /**
   * For training, the cache the kernel fills, each indexed by time: `gates` [T, N, 4H] (the GRU's
   * r, z, n and hn = W_hn h + b_hn) and `hPrev` [T, N, H] (h_{t-1}; the RNN's only cache, beside
   * its output).
   */
  gates?: tf.TensorInfo;
  hPrev?: tf.TensorInfo;
}

/** What the GRU forward's registered gradient saves, in this order. */
export const GRU_FORWARD_SAVED = ['x', 'weightIh', 'weightHh', 'gates', 'hPrev'] as const;
/** What the RNN forward's registered gradient saves: these inputs, then its output. */
export const RNN_FORWARD_SAVED = ['x', 'weightIh', 'weightHh', 'hPrev'] as const;

/**
 * Tensors of the given shapes for a forward kernel to fill (its cache), zero-filled with `zeros`
 * (variable lengths), else uninitialised. No inputs.
 */
export const HIDDEN_CACHE = 'TfjsHiddenCache';

/**
 * BPTT for `GRU_FORWARD` (`gruBackwardKernel`): outputs [dXZ [T N, 3H], dHZ [T N, 3H], dh0,
 * dBiasIh [3H], dBiasHh [3H]]: the gradients of the input's and the recurrent product's
 * pre-activations (x W_ih^T + b_ih and h W_hh^T + b_hh) at every step, from which the weights'
 * follow, and their column sums, the biases'.
 */
export const GRU_BACKWARD = 'TfjsGruBackward';

export interface GruBackwardInputs {
  dOutput: tf.TensorInfo;
  dhN: tf.TensorInfo;
  weightHh: tf.TensorInfo;
  gates: tf.TensorInfo;
  hPrev: tf.TensorInfo;
}

/**
 * One Elman RNN layer direction's forward (`rnnForwardKernel`): outputs [output, hN]; for training
 * it fills `hPrev` (h_t itself is the output, at the steps the backward reads).
 */
export const RNN_FORWARD = 'TfjsRnnForward';

export interface RnnForwardAttrs extends LstmSequenceAttrs {
  nonlinearity: 'tanh' | 'relu';
}

/**
 * BPTT for `RNN_FORWARD` (`rnnBackwardKernel`): outputs [dA [T N, H], dh0, dBias [H]]: the
 * pre-activation's gradients at every step, and their column sums (the gradient of each bias).
 */
export const RNN_BACKWARD = 'TfjsRnnBackward';

export interface RnnBackwardInputs {
  dOutput: tf.TensorInfo;
  dhN: tf.TensorInfo;
  weightHh: tf.TensorInfo;
  output: tf.TensorInfo;
}

/** Each kernel's inputs and attributes, by name: what run-kernel.ts types its calls with. */
export interface LstmKernels {
  [LSTM_FORWARD]: { inputs: LstmForwardInputs; attrs: LstmForwardAttrs };
  [LSTM_FORWARD_PROJ]: { inputs: LstmForwardInputs & { weightHr: tf.TensorInfo }; attrs: LstmForwardAttrs };
  [LSTM_CACHE]: { inputs: Record<string, never>; attrs: LstmCacheAttrs };
  [LSTM_PREPARE]: { inputs: LstmPrepareInputs; attrs: Record<string, never> };
  [LSTM_STEP]: { inputs: LstmStepInputs; attrs: Record<string, never> };
  [LSTM_BACKWARD]: { inputs: LstmBackwardInputs; attrs: LstmBackwardAttrs };
  [LSTM_PRODUCT]: { inputs: LstmProductInputs; attrs: LstmProductAttrs };
  [LSTM_BLOCK_FORWARD]: { inputs: LstmBlockForwardInputs; attrs: LstmBlockAttrs };
  [LSTM_BLOCK_BACKWARD]: { inputs: LstmBlockBackwardInputs; attrs: LstmBlockAttrs };
  [LSTM_WEBGL_CELL]: { inputs: LstmWebglCellInputs; attrs: { offset: number } };
  [LSTM_WEBGL_CELL_CACHE]: { inputs: LstmWebglCellInputs; attrs: { offset: number } };
  [LSTM_WEBGL_BACKWARD]: {
    inputs: { a: tf.TensorInfo; cPrev: tf.TensorInfo; dr: tf.TensorInfo; dc: tf.TensorInfo };
    attrs: Record<string, never>;
  };
  [LSTM_WEBGL_UNPACKED]: { inputs: { x: tf.TensorInfo }; attrs: Record<string, never> };
  [LSTM_WEBGL_STEP]: {
    inputs: { s: tf.TensorInfo; xz: tf.TensorInfo; w: tf.TensorInfo; valid?: tf.TensorInfo };
    attrs: WebglStepAttrs;
  };
  [LSTM_WEBGL_GATES]: { inputs: { s: tf.TensorInfo; xz: tf.TensorInfo; w: tf.TensorInfo }; attrs: WebglStepAttrs };
  [LSTM_WEBGL_STATE]: { inputs: { a: tf.TensorInfo; s: tf.TensorInfo; valid?: tf.TensorInfo }; attrs: WebglStepAttrs };
  [LSTM_WEBGL_DH]: {
    inputs: { dz: tf.TensorInfo; wt: tf.TensorInfo; dh: tf.TensorInfo; valid?: tf.TensorInfo };
    attrs: { batch: number; hidden: number; tNext: number };
  };
  [LSTM_WEBGL_DZ]: {
    inputs: {
      a: tf.TensorInfo;
      s: tf.TensorInfo;
      sPrev: tf.TensorInfo;
      dy: tf.TensorInfo;
      dh: tf.TensorInfo;
      dc: tf.TensorInfo;
      valid?: tf.TensorInfo;
    };
    attrs: WebglStepAttrs & { first: boolean };
  };
  [LSTM_WEBGL_GATHER]: {
    inputs: Record<string, tf.TensorInfo>;
    attrs: {
      layout: WebglGather;
      shape: number[];
      hidden: number;
      split?: boolean;
      first?: number;
      chunk?: number;
      tail?: boolean;
      unpacked?: boolean;
    };
  };
  [LSTM_WEBGL_LAYOUT]: {
    inputs: { x: tf.TensorInfo; y?: tf.TensorInfo };
    attrs: { layout: WebglLayout; shape: number[]; hidden: number; split?: boolean };
  };
  [GRU_WEBGL_STEP]: {
    inputs: { h: tf.TensorInfo; xz: tf.TensorInfo; w: tf.TensorInfo; bn: tf.TensorInfo; valid?: tf.TensorInfo };
    attrs: { batch: number; hidden: number; t: number };
  };
  [GRU_WEBGL_CELL]: {
    inputs: { xz: tf.TensorInfo; hz: tf.TensorInfo; bh: tf.TensorInfo; h: tf.TensorInfo };
    attrs: { offset: number };
  };
  [GRU_FORWARD]: { inputs: HiddenForwardInputs; attrs: HiddenForwardAttrs };
  [HIDDEN_CACHE]: { inputs: Record<string, never>; attrs: { shapes: number[][]; zeros: boolean } };
  [GRU_BACKWARD]: { inputs: GruBackwardInputs; attrs: LstmSequenceAttrs };
  [RNN_FORWARD]: { inputs: HiddenForwardInputs; attrs: RnnForwardAttrs };
  [RNN_BACKWARD]: { inputs: RnnBackwardInputs; attrs: RnnForwardAttrs };
}

export type LstmKernelName = keyof LstmKernels;
