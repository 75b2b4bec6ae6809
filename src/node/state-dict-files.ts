import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { stateDictFromSafetensors, stateDictToJSON, stateDictToSafetensors } from '../io/formats';
import { NestedArray, nestedToTensor } from '../io/state-dict';

function format(file: string): 'safetensors' | 'json' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.safetensors') return 'safetensors';
  if (ext === '.json') return 'json';
  throw new Error(`expected a .safetensors or .json file, got ${JSON.stringify(file)}`);
}

/**
 * Reads a state dict from a `.safetensors` file or a `.json` file of nested arrays (by its
 * extension), as tensors that the caller disposes: safetensors as `stateDictFromSafetensors` reads
 * it (floats as float32, integers as int32, BOOL as bool), JSON numbers as float32. The dict has
 * no prototype, so every key of the file, `__proto__` and `constructor` too, is an entry.
 *
 * @example
 * ```ts
 * const sd = readStateDict('lstm.safetensors');
 * rnn.loadStateDict(sd);
 * tf.dispose(Object.values(sd));
 * ```
 */
export function readStateDict(file: string): Record<string, tf.Tensor> {
  if (format(file) === 'safetensors') return stateDictFromSafetensors(fs.readFileSync(file));
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TypeError(`${file}: expected a JSON object of parameter name to nested arrays`);
  }
  // JSON.parse makes "__proto__" an own key; assigned into a plain {}, it would set the prototype.
  const dict = Object.create(null) as Record<string, tf.Tensor>;
  try {
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value === 'number') {
        dict[name] = tf.scalar(value);
        continue;
      }
      dict[name] = nestedToTensor(name, value as NestedArray);
    }
  } catch (e) {
    tf.dispose(Object.values(dict));
    throw e;
  }
  return dict;
}

/**
 * Writes a state dict as `.safetensors` (as `stateDictToSafetensors` does: float32 as F32, integer
 * tensors with the dtype they were read with) or `.json` (nested arrays), by the file's extension.
 * The bytes go to a temporary file beside it, renamed over `file` once complete: a failed write
 * leaves `file` as it was, never half written.
 *
 * @example
 * ```ts
 * const sd = rnn.stateDict();
 * writeStateDict('lstm.safetensors', sd);
 * ```
 */
export function writeStateDict(file: string, dict: Record<string, tf.Tensor>, metadata?: Record<string, string>): void {
  const bytes =
    format(file) === 'safetensors'
      ? stateDictToSafetensors(dict, metadata)
      : Buffer.from(JSON.stringify(stateDictToJSON(dict)));
  // In the same directory, so that the rename stays on one file system and replaces `file` atomically.
  const temporary = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    fs.writeFileSync(temporary, bytes);
    fs.renameSync(temporary, file);
  } catch (e) {
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // The write's own error is the one to report.
    }
    throw e;
  }
}
