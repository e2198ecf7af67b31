/* WCAG 2.x contrast of every visible text on the page (the browser test's probe).
   Returns [{element, text, ratio, required, colours}] for each text below its threshold:
   4.5:1, or 3:1 for large text (24 px, or 18.66 px bold); `colours` says what was measured on
   what. Foreground: the computed `color` (`fill` for SVG text) with its alpha and the opacity
   of the element and its ancestors; background: the computed background colours from the
   element up to the first opaque one, composited over white (the canvas). SVG text (Plotly
   charts) sits on shapes, not on its ancestors: its background is what lies under its centre
   (bars, heatmap cells read from the heatmap's picture), then the chart's own background.
   Disabled controls are exempt (WCAG 1.4.3). Asynchronous (execute_async_script): the heatmap
   pictures are decoded first. */
const scope = arguments[0] ? document.querySelector(arguments[0]) : document.body;
const done = arguments[arguments.length - 1];

function parse(colour) {
  const m = colour.match(/rgba?\(([^)]+)\)/);
  if (!m) { return null; }
  const parts = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
  return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
}
function over(top, bottom) {
  const a = top.a + bottom.a * (1 - top.a);
  const mix = (t, b) => (t * top.a + b * bottom.a * (1 - top.a)) / (a || 1);
  return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a: a };
}
function luminance(c) {
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}
function background(element) {
  const layers = [];
  for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
    const bg = parse(getComputedStyle(node).backgroundColor);
    if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) { break; } }
  }
  let colour = { r: 255, g: 255, b: 255, a: 1 };
  for (let i = layers.length - 1; i >= 0; i--) { colour = over(layers[i], colour); }
  return colour;
}
const shapes = [];  /* what the last SVG text was found to sit on, for the report */
const pictures = new Map();  /* <image> element -> canvas holding its decoded picture */
async function loadPictures() {
  for (const image of scope.querySelectorAll("svg image")) {
    const picture = new Image();
    picture.src = image.getAttribute("href") || image.getAttribute("xlink:href") || "";
    try { await picture.decode(); } catch (e) { continue; }
    const canvas = document.createElement("canvas");
    canvas.width = picture.naturalWidth; canvas.height = picture.naturalHeight;
    canvas.getContext("2d").drawImage(picture, 0, 0);
    pictures.set(image, canvas);
  }
}
function pixel(image, x, y) {
  const canvas = pictures.get(image);
  if (!canvas) { return null; }
  const rect = image.getBoundingClientRect();
  const px = Math.floor((x - rect.left) / rect.width * canvas.width);
  const py = Math.floor((y - rect.top) / rect.height * canvas.height);
  const d = canvas.getContext("2d").getImageData(px, py, 1, 1).data;
  return { r: d[0], g: d[1], b: d[2], a: d[3] / 255 };
}
function shapeFill(shape, x, y) {
  if (shape.tagName.toLowerCase() === "image") { return pixel(shape, x, y); }
  /* Only where the point is inside the shape's fill (a grid line's stroke is no background). */
  if (!(shape instanceof SVGGeometryElement) || !shape.getScreenCTM()) { return null; }
  const local = new DOMPoint(x, y).matrixTransform(shape.getScreenCTM().inverse());
  if (!shape.isPointInFill(local)) { return null; }
  const style = getComputedStyle(shape);
  const fill = parse(style.fill);
  if (!fill) { return null; }
  fill.a *= Number(style.fillOpacity || 1) * Number(style.opacity || 1);
  return fill.a > 0 ? fill : null;
}
function svgBackground(text) {
  const box = text.getBoundingClientRect();
  window.scrollTo({ left: 0, top: window.scrollY + box.top - window.innerHeight / 2, behavior: "instant" });
  const rect = text.getBoundingClientRect();
  const x = rect.left + rect.width / 2, y = rect.top + rect.height / 2;
  const layers = [];
  shapes.length = 0;
  let base = null;
  for (const element of document.elementsFromPoint(x, y)) {
    if (element === text || element.contains(text) || text.contains(element)) { continue; }
    if (!(element instanceof SVGElement)) { base = element; break; }
    if (element.closest("text")) { continue; }
    const fill = shapeFill(element, x, y);
    if (fill) {
      layers.push(fill);
      shapes.push(describe(element));
      if (fill.a >= 1) { break; }
    }
  }
  let colour = base ? background(base) : background(text.closest("svg").parentElement);
  if (layers.length && layers[layers.length - 1].a >= 1) { colour = { r: 0, g: 0, b: 0, a: 0 }; }
  for (let i = layers.length - 1; i >= 0; i--) { colour = over(layers[i], colour); }
  return colour;
}
function opacity(element) {
  let value = 1;
  for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
    value *= Number(getComputedStyle(node).opacity);
  }
  return value;
}
function hex(c) {
  return "#" + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
}
function describe(element) {
  let text = element.tagName.toLowerCase();
  if (element.id) { text += "#" + element.id; }
  const classes = (element.getAttribute("class") || "").trim().split(/\s+/).filter(Boolean);
  if (classes.length) { text += "." + classes.slice(0, 3).join("."); }
  return text;
}
function visible(element) {
  if (element.checkVisibility && !element.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) {
    return false;
  }
  const rect = element.getBoundingClientRect();
  return rect.width > 1 && rect.height > 1 && rect.bottom + window.scrollY > 0
    && rect.right + window.scrollX > 0;
}
function exempt(element) {
  return Boolean(element.closest(":disabled, [aria-disabled='true'], .disabled, [aria-hidden='true']"));
}

/* Hit-testing must see every chart shape, including those Plotly leaves inert to the mouse. */
const probeStyle = document.createElement("style");
probeStyle.textContent = ".js-plotly-plot svg * { pointer-events: all !important; }";

function check() {
const failures = [];
const seen = new Set();
const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const element = node.parentElement;
  const text = node.nodeValue.trim();
  if (!text || !element || seen.has(element) || !visible(element) || exempt(element)) { continue; }
  if (element.closest("script, style, noscript, title")) { continue; }
  seen.add(element);
  const style = getComputedStyle(element);
  const svg = element instanceof SVGElement;
  const fg = parse(svg ? style.fill : style.color);
  if (!fg) { continue; }
  const bg = svg ? svgBackground(element) : background(element);
  fg.a *= opacity(element) * (svg ? Number(style.fillOpacity || 1) : 1);
  const shown = over(fg, bg);
  const l1 = luminance(shown), l2 = luminance(bg);
  const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  const required = large ? 3 : 4.5;
  if (ratio < required - 0.005) {
    failures.push({ element: describe(element), text: text.slice(0, 60),
                    ratio: Math.round(ratio * 100) / 100, required: required,
                    colours: hex(shown) + " on " + hex(bg)
                      + (svg && shapes.length ? " of " + shapes.join(" over ") : "") });
  }
}
return failures;
}

document.head.appendChild(probeStyle);
loadPictures().then(check).then(done, (error) => done([{ element: "probe", text: String(error),
  ratio: 0, required: 0 }])).finally(() => probeStyle.remove());
