/**
 * `-w`/`--write-out`: curl's `%{variable}` template, printed after a transfer.
 *
 * @internal
 */

/** What a transfer leaves for `-w`. @internal */
export interface Facts {
  readonly httpCode: number
  readonly timeTotal: number
  readonly timeStartTransfer: number
  readonly sizeDownload: number
  readonly sizeUpload: number
  readonly urlEffective: string
  readonly httpVersion: string
  readonly contentType: string
  readonly numRedirects: number
  readonly exitCode: number
  readonly method: string
}

const seconds = (millis: number): string => (millis / 1000).toFixed(6)

const variable = (name: string, facts: Facts): string | undefined => {
  switch (name) {
    case "http_code":
    case "response_code":
      return String(facts.httpCode).padStart(3, "0")
    case "time_total":
      return seconds(facts.timeTotal)
    case "time_starttransfer":
      return seconds(facts.timeStartTransfer)
    case "size_download":
      return String(facts.sizeDownload)
    case "size_upload":
      return String(facts.sizeUpload)
    case "url_effective":
    case "url":
      return facts.urlEffective
    case "http_version":
      return facts.httpVersion
    case "content_type":
      return facts.contentType
    case "num_redirects":
      return String(facts.numRedirects)
    case "exitcode":
      return String(facts.exitCode)
    case "method":
      return facts.method
    default:
      return undefined
  }
}

/**
 * The template with its variables and `\n`, `\r`, `\t` replaced; unknown
 * variables are left as written, as curl does.
 *
 * @internal
 */
export const format = (template: string, facts: Facts): string =>
  template
    .replace(/%\{([a-z_]+)\}/g, (whole, name: string) => variable(name, facts) ?? whole)
    .replace(/\\([nrt\\])/g, (_, c: string) =>
      c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : "\\"
    )
