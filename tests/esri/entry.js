// Bundled by esbuild (tests/esri/CMakeLists part of tests/server/tests.cmake) into one script
// that the check page loads. It lets Esri's own SDK read a FeatureServer layer as ArcGIS
// Online, ArcGIS Pro's web maps and the gemeente's viewer do: FeatureLayer.load() fetches
// the layer's JSON and builds its renderer from drawingInfo.
import esriConfig from "@arcgis/core/config.js";
import FeatureLayer from "@arcgis/core/layers/FeatureLayer.js";

// Everything from 127.0.0.1: no portal, no CDN assets, no telemetry.
esriConfig.assetsPath = "./assets";
esriConfig.portalUrl = window.location.origin + "/no-portal";
esriConfig.request.useIdentity = false;

window.readLayer = async (url) => {
  const layer = new FeatureLayer({ url });
  await layer.load();
  const r = layer.renderer;
  const out = {
    title: layer.title,
    geometryType: layer.geometryType,
    rendererType: r ? r.type : null,
    field: r && r.field ? r.field : null,
    classes: [],
    defaultColor: null,
    symbolType: null,
    labels: (layer.labelingInfo || []).map((l) => l.labelExpressionInfo ? l.labelExpressionInfo.expression : l.labelExpression),
  };
  const hex = (c) => c ? c.toHex().toUpperCase() : null;
  const colorOf = (s) => !s ? null : (s.type === "simple-line" ? hex(s.color) : hex(s.color));
  if (r && r.type === "unique-value") {
    for (const info of r.uniqueValueInfos || [])
      out.classes.push({ value: String(info.value), label: info.label, color: colorOf(info.symbol), symbolType: info.symbol ? info.symbol.type : null, style: info.symbol && info.symbol.style ? info.symbol.style : null });
    out.defaultColor = colorOf(r.defaultSymbol);
  } else if (r && r.type === "simple") {
    out.symbolType = r.symbol ? r.symbol.type : null;
    out.defaultColor = r.symbol && r.symbol.type === "simple-fill" && r.symbol.outline ? hex(r.symbol.outline.color) : colorOf(r.symbol);
  }
  return out;
};
