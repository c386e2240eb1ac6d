/**
 * curl's short-option spellings that @effect/cli does not read: clustered
 * flags (`-sSfL`) and values glued to their letter (`-XPUT`, `-o-`).
 *
 * @internal
 */

/** Short options that stand alone. @internal */
export const SHORT_FLAGS: ReadonlySet<string> = new Set(["O", "I", "i", "L", "k", "s", "S", "v", "f", "Z"])

/** Short options that take a value. @internal */
export const SHORT_VALUES: ReadonlySet<string> = new Set([
  "X",
  "H",
  "d",
  "F",
  "o",
  "u",
  "x",
  "m",
  "w",
  "T",
  "b",
  "c",
  "E"
])

/**
 * The arguments with clusters split: `-sSf` → `-s -S -f`, `-XPUT` →
 * `-X PUT`, `-sXPOST` → `-s -X POST`. Everything after `--` is left alone,
 * and so is any cluster with a letter that is no known short option.
 *
 * @internal
 */
export const expandShortOptions = (args: ReadonlyArray<string>): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === "--") {
      out.push(...args.slice(i))
      break
    }
    out.push(...expandOne(arg))
  }
  return out
}

const expandOne = (arg: string): ReadonlyArray<string> => {
  if (arg.length <= 2 || arg[0] !== "-" || arg[1] === "-") return [arg]
  const expanded: Array<string> = []
  for (let j = 1; j < arg.length; j++) {
    const letter = arg[j] ?? ""
    if (SHORT_FLAGS.has(letter)) {
      expanded.push(`-${letter}`)
    } else if (SHORT_VALUES.has(letter)) {
      expanded.push(`-${letter}`)
      if (j + 1 < arg.length) expanded.push(arg.slice(j + 1))
      return expanded
    } else {
      return [arg]
    }
  }
  return expanded
}
