import type { Listeners } from "./types.js"

/** Optional modules of the nginx build that the suite uses; what is missing is served by the Node server. */
export interface NginxModules {
  readonly stubStatus: boolean
  readonly ssl: boolean
  readonly http2: boolean
  readonly dav: boolean
}

export interface NginxLayout {
  readonly dir: string
  readonly host: string
  readonly statusPath: string
  /** Ports nginx listens on; a listener nginx cannot serve is absent. */
  readonly listeners: Partial<Listeners> & Pick<Listeners, "http">
  readonly certs: { readonly cert: string; readonly key: string }
}

/**
 * Streams one HTTP/2 connection may carry at once, nginx's default, stated so that the Node server can be
 * given the same: the 200-concurrent HTTP/2 scenario shows how each client copes with the limit.
 */
export const http2MaxConcurrentStreams = 128

/**
 * `http1`: HTTP/1.1 only. `h2`: HTTP/2 only in effect, since a client that ignored its HTTP/2 setting and
 * negotiated HTTP/1.1 must fail, not pass as HTTP/2. `alpn`: both offered, whichever the client chose served.
 */
type TlsKind = "http1" | "h2" | "alpn"

const tlsServer = (layout: NginxLayout, port: number, kind: TlsKind): string => `
  server {
    listen ${layout.host}:${port} ssl${kind === "http1" ? "" : " http2"} backlog=4096;
    root ${layout.dir}/www;
    ${kind === "h2" ? 'if ($server_protocol != "HTTP/2.0") { return 505; }' : ""}
  }`

export const nginxConfig = (layout: NginxLayout, modules: NginxModules): string => {
  const { dir, host, listeners } = layout
  const servers = [
    `
  server {
    ${listeners.http.map((port) => `listen ${host}:${port} backlog=4096;`).join("\n    ")}
    root ${dir}/www;
    ${modules.dav ? "location /upload/ { dav_methods PUT; client_max_body_size 64m; }" : ""}
    ${modules.stubStatus ? `location = ${layout.statusPath} { stub_status; access_log off; }` : ""}
  }`,
    listeners.https === undefined ? "" : tlsServer(layout, listeners.https, "http1"),
    listeners.h2 === undefined ? "" : tlsServer(layout, listeners.h2, "h2"),
    listeners.alpn === undefined ? "" : tlsServer(layout, listeners.alpn, "alpn"),
    listeners.h2c === undefined
      ? ""
      : `
  server {
    listen ${host}:${listeners.h2c} http2 backlog=4096;
    root ${dir}/www;
  }`
  ]
  return `
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  default_type application/octet-stream;
  log_format bench '$connection $request_uri $status';
  # With stub_status the log is only a record, so it is buffered; without, it is the connection count.
  access_log ${dir}/access.log bench${modules.stubStatus ? " buffer=64k flush=1s" : ""};
  client_body_temp_path ${dir}/tmp/client_body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  tcp_nodelay on;
  open_file_cache max=64 inactive=600s;
  ${
    modules.ssl
      ? `ssl_certificate ${layout.certs.cert};
  ssl_certificate_key ${layout.certs.key};
  ssl_protocols TLSv1.2 TLSv1.3;`
      : ""
  }
  ${modules.http2 ? `http2_max_concurrent_streams ${http2MaxConcurrentStreams};` : ""}
${servers.join("\n")}
}
`
}
