import * as tf from '@tensorflow/tfjs';

import { KerasGRU } from './keras-gru';

type Entry = [tf.serialization.SerializableConstructor<tf.serialization.Serializable>, unknown];

/** tfjs-layers' own `GRU` and `Bidirectional` registrations, kept while ours replace them. */
let replaced: { gru?: Entry; bidirectional?: Entry } | undefined;

function classNameMap(): Record<string, Entry> {
  return tf.serialization.SerializationMap.getMap().classNameMap as unknown as Record<string, Entry>;
}

/**
 * The opt-in that makes Keras GRU models load in tfjs: registers `KerasGRU` as Keras' `GRU` class,
 * so that `tf.loadLayersModel` runs every `GRU(reset_after=True)` of a converted Keras model (the
 * default in Keras 2.x and 3, which tfjs-layers refuses) on this package's GRU ops, alone or in a
 * `Bidirectional` wrapper; a `reset_after=False` GRU still gets tfjs-layers' own. Call it once,
 * before loading; `unregisterKerasRecurrent()` restores tfjs-layers' class.
 *
 * ```ts
 * import { registerKerasRecurrent } from 'tfjs-lstm';
 * registerKerasRecurrent();
 * const model = await tf.loadLayersModel('https://example.com/keras-gru/model.json');
 * ```
 */
export function registerKerasRecurrent(): void {
  const map = classNameMap();
  if (replaced) return;
  replaced = { gru: map.GRU, bidirectional: map.Bidirectional };
  tf.serialization.registerClass(KerasGRU);
  // Keras' Bidirectional gives zeros at masked steps of the sequences it returns (it sets
  // zero_output_for_mask on the layers it wraps, whatever their config says); tfjs-layers' has no
  // such setting, so the GRU it wraps is told here, as it is deserialized.
  const bidirectional = replaced.bidirectional;
  if (bidirectional) {
    const [cls, fromConfig] = bidirectional as [Entry[0], (...args: unknown[]) => unknown];
    map.Bidirectional = [
      cls,
      (c: unknown, config: tf.serialization.ConfigDict, ...rest: unknown[]) => {
        const inner = config.layer as { className?: string; config?: tf.serialization.ConfigDict } | undefined;
        if (inner?.className === 'GRU' && inner.config) {
          const layer = {
            ...inner,
            config: { ...inner.config, zeroOutputForMask: inner.config.returnSequences === true },
          };
          return fromConfig(c, { ...config, layer }, ...rest);
        }
        return fromConfig(c, config, ...rest);
      },
    ];
  }
}

/**
 * Undoes `registerKerasRecurrent()`: Keras' `GRU` is tfjs-layers' own class again.
 *
 * ```ts
 * unregisterKerasRecurrent();
 * ```
 */
export function unregisterKerasRecurrent(): void {
  if (!replaced) return;
  const map = classNameMap();
  for (const [name, entry] of [
    ['GRU', replaced.gru],
    ['Bidirectional', replaced.bidirectional],
  ] as const) {
    if (entry) map[name] = entry;
    else delete map[name];
  }
  replaced = undefined;
}
