/**
 * The option names each constructor and method accepts, as typed lists checked against their
 * options interfaces: adding an option to an interface without listing it (or listing one the
 * interface lacks) fails to compile, so `checkOptionNames` never rejects a real option nor lets a
 * stale one through.
 */

/** `unknown` when `names` lists every key of `T`, else a type naming the keys missing. */
type ListsEvery<T, N extends readonly PropertyKey[]> = [Exclude<keyof T, N[number]>] extends [never]
  ? unknown
  : { missingOptionNames: Exclude<keyof T, N[number]> };

/**
 * The names of `T`'s options, exactly: each a key of `T`, and every key of `T` listed.
 *
 * ```ts
 * const FORWARD_OPTIONS = optionNames<LSTMForwardOptions>()(['lengths']);
 * ```
 */
export function optionNames<T extends object>() {
  return <const N extends readonly (keyof T & string)[]>(names: N & ListsEvery<T, N>): N => names;
}

/** Options of `loadStateDict`, on the modules and the tfjs layers alike. */
export interface LoadStateDictOptions {
  /** Default true: the keys must match the parameters exactly. */
  strict?: boolean;
}

export const LOAD_STATE_DICT_OPTIONS = optionNames<LoadStateDictOptions>()(['strict']);
