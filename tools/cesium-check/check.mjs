// Opens a tileset in CesiumJS, as a user of CesiumJS would, and reports every tile that failed.
//
//   node check.mjs TILESET_DIR [TIMEOUT_S]
//
// Serves TILESET_DIR, CesiumJS (this folder's node_modules) and check.html on a free port of
// 127.0.0.1, opens check.html in headless Chromium (Debian's `chromium`, or $CHROMIUM; WebGL by
// SwiftShader), which loads TILESET_DIR/tileset.json, zooms to it and waits until every tile the
// view wants has loaded. Prints one JSON line: {"loaded", "failed": [{url, message}],
// "finished", "error", "logs"}; exits 1 when a tile failed, the page failed or it timed out.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const [dir, timeoutS] = [process.argv[2], Number(process.argv[3] || 180)];
if (!dir || !fs.existsSync(path.join(dir, "tileset.json"))) {
  console.error(`usage: node check.mjs TILESET_DIR [TIMEOUT_S] (no tileset.json in ${dir})`);
  process.exit(2);
}
const roots = { "/Cesium/": path.join(here, "node_modules/cesium/Build/Cesium/"), "/tiles/": path.resolve(dir) + "/" };
const types = { ".js": "text/javascript", ".json": "application/json", ".css": "text/css", ".glb": "model/gltf-binary", ".html": "text/html" };
const server = http.createServer((req, res) => {
  const url = decodeURIComponent(req.url.split("?")[0]);
  let file = url === "/check.html" ? path.join(here, "check.html") : null;
  for (const [prefix, root] of Object.entries(roots)) {
    if (url.startsWith(prefix)) file = path.join(root, url.slice(prefix.length));
  }
  if (!file || file.includes("..") || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404);
    return res.end();
  }
  res.writeHead(200, { "Content-Type": types[path.extname(file)] || "application/octet-stream" });
  fs.createReadStream(file).pipe(res);
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const port = server.address().port;
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"],
});
const logs = [];
let out = { loaded: 0, failed: [], finished: false, error: null };
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && logs.push(m.text()));
  await page.setViewport({ width: 800, height: 600 });
  await page.goto(`http://127.0.0.1:${port}/check.html?tileset=/tiles/tileset.json`);
  await page
    .waitForFunction(
      () => {
        const t = document.getElementById("result").textContent;
        return t !== "running" && (JSON.parse(t).finished || JSON.parse(t).error);
      },
      { timeout: timeoutS * 1000, polling: 500 },
    )
    .catch((e) => logs.push(`timed out after ${timeoutS} s: ${e.message}`));
  const text = await page.$eval("#result", (e) => e.textContent);
  if (text !== "running") out = JSON.parse(text);
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify({ ...out, logs }));
process.exit(out.finished && !out.error && out.failed.length === 0 ? 0 : 1);
