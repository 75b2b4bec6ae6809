import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

const WEIGHTS_FILE = 'weights.bin';

/** Removes files, ignoring those already gone; cleanup after a failure, whose own error is the one to report. */
async function removeQuietly(...files: string[]): Promise<void> {
  await Promise.all(files.map((file) => fs.promises.rm(file, { force: true }).catch(() => undefined)));
}

/**
 * Keeps `file` under a second name, `keep`, without a moment where `file` is missing: a hard link,
 * or a copy where links are not supported. False when there is no `file`.
 */
async function keepExisting(file: string, keep: string): Promise<boolean> {
  try {
    await fs.promises.link(file, keep);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
  }
  await fs.promises.copyFile(file, keep);
  return true;
}

/**
 * Removes the directories `mkdir -p` made for `dir` (`created` is the first of them), each only if
 * empty.
 */
async function removeCreatedDirectories(dir: string, created: string | undefined): Promise<void> {
  if (created === undefined) return;
  const top = path.resolve(created);
  for (let d = path.resolve(dir); d.startsWith(top); d = path.dirname(d)) {
    try {
      await fs.promises.rmdir(d);
    } catch {
      return;
    }
    if (d === top) return;
  }
}

/**
 * A tfjs IOHandler that saves a model to a directory on disk (`model.json` and `weights.bin`, the
 * layout of tfjs-node's `file://` handler) and loads it back, without needing tfjs-node.
 *
 * Saving is all or nothing: both files are written under temporary names in the directory and
 * renamed into place, and when anything fails the temporaries are removed and the directory is
 * left as it was, a model saved there before still loadable.
 *
 * `path` is the directory; for loading, the path of `model.json` itself is accepted too.
 *
 * @example
 * ```ts
 * await model.save(fileSystem('./my-model'));
 * const loaded = await tf.loadLayersModel(fileSystem('./my-model'));
 * ```
 */
export function fileSystem(dirOrModelJson: string): tf.io.IOHandler {
  const modelJsonPath = dirOrModelJson.endsWith('.json') ? dirOrModelJson : path.join(dirOrModelJson, 'model.json');
  const dir = path.dirname(modelJsonPath);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new TypeError('fileSystem: saving binary model topologies is not supported; save a LayersModel');
      }
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      const weights = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);

      const created = await fs.promises.mkdir(dir, { recursive: true });
      const weightsPath = path.join(dir, WEIGHTS_FILE);
      // Beside the real names, so that each rename stays on one file system and replaces atomically.
      const tag = `${process.pid}.${crypto.randomBytes(6).toString('hex')}`;
      const newWeights = path.join(dir, `.${WEIGHTS_FILE}.${tag}.tmp`);
      const newModelJson = path.join(dir, `.${path.basename(modelJsonPath)}.${tag}.tmp`);
      const oldWeights = path.join(dir, `.${WEIGHTS_FILE}.${tag}.old`);
      let keptOld = false;
      let weightsInPlace = false;
      try {
        await fs.promises.writeFile(newWeights, Buffer.from(weights));
        await fs.promises.writeFile(newModelJson, JSON.stringify(modelJson));
        // Two renames are not one atomic step: keep the old weights until the new model.json is in
        // place, to put them back if that last rename fails.
        keptOld = await keepExisting(weightsPath, oldWeights);
        await fs.promises.rename(newWeights, weightsPath);
        weightsInPlace = true;
        await fs.promises.rename(newModelJson, modelJsonPath);
      } catch (e) {
        if (weightsInPlace) {
          await (keptOld ? fs.promises.rename(oldWeights, weightsPath) : fs.promises.rm(weightsPath)).catch(
            () => undefined,
          );
        }
        await removeQuietly(newWeights, newModelJson, oldWeights);
        await removeCreatedDirectories(dir, created);
        throw e;
      }
      await removeQuietly(oldWeights);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJson = JSON.parse(await fs.promises.readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(
          manifest
            .flatMap((group) => group.paths)
            .map(async (p) => {
              const b = await fs.promises.readFile(path.join(dir, p));
              return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
            }),
        );
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}
