#!/usr/bin/python3
"""QGIS loads the service's SLD: for every collection with a style, open the layer in real QGIS
(Debian python3-qgis, the OAPIF provider of qgis-providers, headless), apply
/collections/{id}/styles/default?f=sld10 with loadSldStyle, and check the renderer and the
labels against the definition they were generated from (styles/style.json).

  /usr/bin/python3 tests/qgis/check_sld.py BASE_URL STYLE_JSON OUT_DIR

Writes OUT_DIR/{id}.sld and OUT_DIR/{id}.qml (the style as QGIS saves it), prints one line per
layer and, on failure, what QGIS said; exit status 0 only when every check passed.
tests/server/test_qgis_style.cpp runs it against the real server.
"""

import json
import os
import re
import sys
import traceback
import urllib.error
import urllib.request

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402  (after QT_QPA_PLATFORM)
    QgsApplication,
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsFeature,
    QgsSimpleMarkerSymbolLayerBase,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsWkbTypes,
)

FAILURES = []


def fail(layer, message):
    FAILURES.append(f"{layer}: {message}")
    print(f"FAIL {layer}: {message}", flush=True)


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()


def style_of(sheet, cid, point):
    """layers/style.cpp StyleSheet::for_collection: its own entry, else "*" for points."""
    for entry in sheet["layers"]:
        if entry["collection"] == cid:
            return entry
    if point:
        for entry in sheet["layers"]:
            if entry["collection"] == "*":
                return entry
    return None


def hex_of(color):
    return color.name().upper()


def check_symbol(cid, what, symbol, entry, fill_hex):
    """A symbol of the renderer: the fill (polygons) or the mark (points) and the outline."""
    if symbol is None:
        fail(cid, f"{what}: no symbol")
        return
    layer = symbol.symbolLayer(0)
    kind = entry["kind"]
    props = layer.properties()
    if kind == "point":
        if not isinstance(layer, QgsSimpleMarkerSymbolLayerBase):
            fail(cid, f"{what}: a {layer.layerType()} symbol layer, not a simple marker")
            return
        shape = QgsSimpleMarkerSymbolLayerBase.encodeShape(layer.shape())
        if fill_hex is not None and hex_of(layer.color()) != fill_hex:
            fail(cid, f"{what}: marker colour {hex_of(layer.color())}, expected {fill_hex}")
        return shape
    # Polygons: a fill with an outline, or only a line when there is no fill.
    if fill_hex is not None:
        if layer.layerType() != "SimpleFill":
            fail(cid, f"{what}: a {layer.layerType()} symbol layer, not a simple fill")
            return
        got = hex_of(layer.color())
        if got != fill_hex:
            fail(cid, f"{what}: fill {got}, expected {fill_hex}")
        opacity = entry.get("fill_opacity", 1)
        alpha = layer.color().alphaF() * symbol.opacity()
        if abs(alpha - opacity) > 0.02:
            fail(cid, f"{what}: fill opacity {alpha:.2f}, expected {opacity}")
    outline = entry.get("outline")
    if outline:
        colour = props.get("outline_color") or props.get("line_color") or ""
        # "r,g,b,a" in the properties
        rgb = [int(v) for v in colour.split(",")[:3]] if colour else []
        want = [int(outline["color"][i:i + 2], 16) for i in (1, 3, 5)]
        if rgb != want:
            fail(cid, f"{what}: outline {colour!r}, expected {outline['color']}")
        width = float(props.get("outline_width") or props.get("line_width") or 0)
        if width <= 0:
            fail(cid, f"{what}: outline width {width}")
        if outline.get("dash"):
            style = props.get("outline_style") or props.get("line_style")
            custom = props.get("use_custom_dash") == "1"
            if style == "solid" and not custom:
                fail(cid, f"{what}: the dashed outline is solid in QGIS ({props})")
    return None

EQUALS = re.compile(r"""^"?([A-Za-z_][A-Za-z0-9_]*)"?\s*=\s*'((?:[^']|'')*)'$""")


def check_classes(cid, layer, renderer, entry, point, notes):
    """A colour (and shape) per value of the field: QGIS 3.22 makes the SLD's rules a rule-based
    renderer, one rule "field = 'value'" per class and one for the others; the categorization is
    checked by what the rules do: each value of a class is drawn by its rule alone, every other
    value (and none) by the others' rule alone, on made-up features and on every real one."""
    field = entry["field"]
    want = {c["value"]: c for c in entry["classes"]}
    rtype = renderer.type()
    if rtype == "categorizedSymbol":
        if renderer.classAttribute() != field:
            fail(cid, f"categorized on {renderer.classAttribute()}, expected {field}")
        rules = None
        categories = {str(c.value()): (c.label(), c.symbol()) for c in renderer.categories()
                      if str(c.value()) not in ("", "NULL")}
    elif rtype == "RuleRenderer":
        rules = renderer.rootRule().children()
        categories = {}
        for rule in rules:
            m = EQUALS.match(rule.filterExpression().strip())
            if not m:
                continue
            if m.group(1) != field:
                fail(cid, f"rule {rule.label()!r} on {m.group(1)}, expected {field}")
            categories[m.group(2).replace("''", "'")] = (rule.label(), rule.symbol())
    else:
        fail(cid, f"a {rtype} renderer: not one symbol per value of {field}")
        return
    if set(categories) != set(want):
        fail(cid, f"categories {sorted(categories)}, expected {sorted(want)}")
    shapes = {}
    for value, c in want.items():
        if value not in categories:
            continue
        label, symbol = categories[value]
        if label != c["label"]:
            fail(cid, f"category {value}: label {label!r}, expected {c['label']!r}")
        shape = check_symbol(cid, f"category {value}", symbol, entry, c["color"].upper())
        if point:
            shapes[value] = shape
            if shape != c.get("shape", "circle"):
                fail(cid, f"category {value}: shape {shape}, expected {c.get('shape')}")
            size = symbol.size()
            if abs(size - entry.get("size", 8)) > 1e-6 or symbol.sizeUnit() != QgsUnitTypes.RenderPixels:
                fail(cid, f"category {value}: size {size} ({symbol.sizeUnit()}), "
                          f"expected {entry.get('size', 8)} px")
    notes.append(f"categorized on {field}: {len(categories)} categories")
    if point:
        notes.append("shapes " + ",".join(f"{k}={v}" for k, v in sorted(shapes.items())))
    if rules is None:
        return

    # What the rules do: exactly one rule for any value.
    context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    other = entry.get("other", {}).get("label", "Overig")

    filters = [(r, QgsExpression(r.filterExpression()) if r.filterExpression() else None)
               for r in rules]
    for r, e in filters:
        if e is not None and e.hasParserError():
            fail(cid, f"rule {r.label()!r}: {e.parserErrorString()}")

    def matching(feature):
        """The rules that draw `feature`: a rule without a filter draws everything, an else
        rule what no other rule draws."""
        context.setFeature(feature)
        hits = [r for r, e in filters if not r.isElse() and (e is None or bool(e.evaluate(context)))]
        if not hits:
            hits = [r for r, _ in filters if r.isElse()]
        return [r.label() for r in hits]

    fields = layer.fields()
    if fields.indexOf(field) < 0:
        fail(cid, f"the layer has no field {field} ({fields.names()})")
        return
    made_up = [(v, want[v]["label"]) for v in want] + [("zz-geen-klasse", other), (None, other)]
    for value, expect in made_up:
        f = QgsFeature(fields)
        f.setAttribute(field, value)
        got = matching(f)
        if got != [expect]:
            fail(cid, f"{field} = {value!r} is drawn by the rules {got}, expected [{expect!r}]")
    seen = wrong = 0
    for f in layer.getFeatures():
        value = f[field]
        expect = want[value]["label"] if value in want else other
        got = matching(f)
        if got != [expect]:
            wrong += 1
            if wrong <= 3:
                fail(cid, f"feature {f.id()} ({field} = {value!r}) is drawn by {got}, "
                          f"expected [{expect!r}]")
        seen += 1
    if wrong > 3:
        fail(cid, f"... {wrong} of {seen} features drawn by the wrong rules")
    if seen == 0:
        fail(cid, "no features to draw")
    notes.append(f"each of {seen} features drawn by one rule")


def check_labels(cid, layer, label, notes):
    """Labels of the field, in the colour; from the zoom level on as a scale (a rule's)."""
    labeling = layer.labeling()
    if not layer.labelsEnabled() or labeling is None:
        fail(cid, "the style has labels, QGIS shows none")
        return
    if labeling.type() == "simple":
        found = [(labeling.settings(), None)]
    else:
        found = [(r.settings(), r) for r in labeling.rootRule().children() if r.settings()]
    if len(found) != 1:
        fail(cid, f"{len(found)} label settings, expected one")
        return
    settings, rule = found[0]
    if settings.fieldName != label["field"]:
        fail(cid, f"labels of {settings.fieldName!r}, expected {label['field']!r}")
    if hex_of(settings.format().color()) != label["color"].upper():
        fail(cid, f"label colour {hex_of(settings.format().color())}, expected {label['color']}")
    if abs(settings.format().size() - label.get("size", 10)) > 1e-6:
        fail(cid, f"label size {settings.format().size()}, expected {label.get('size', 10)}")
    minzoom = label.get("minzoom", 0)
    if minzoom > 0:
        # layers/style.cpp scale_of_zoom: the scale of a web-map zoom level at 96 dpi.
        scale = round(591657527.591555 / 2 ** minzoom)
        got = rule.minimumScale() if rule is not None else settings.minimumScale
        if rule is None and not settings.scaleVisibility:
            got = 0
        if abs(got - scale) > 1:
            fail(cid, f"labels from scale 1:{got}, expected 1:{scale} (zoom {minzoom})")
    notes.append(f"labels of {settings.fieldName}" + (f" from zoom {minzoom}" if minzoom else ""))


def check_layer(base, sheet, cid, point, out_dir):
    failures_before = len(FAILURES)
    entry = style_of(sheet, cid, point)
    sld_url = f"{base}/collections/{cid}/styles/default?f=sld10"
    sld = fetch(sld_url)
    sld_path = os.path.join(out_dir, f"{cid}.sld")
    with open(sld_path, "wb") as f:
        f.write(sld)

    uri = f"url='{base}' typename='{cid}'"
    layer = QgsVectorLayer(uri, cid, "OAPIF")
    if not layer.isValid():
        # What the provider said, then the same data as a GeoJSON download through OGR.
        fail(cid, f"the OAPIF provider cannot open {uri}: {layer.error().summary()}")
        return
    geom = QgsWkbTypes.geometryType(layer.wkbType())
    want_geom = QgsWkbTypes.PointGeometry if point else QgsWkbTypes.PolygonGeometry
    if geom != want_geom:
        fail(cid, f"geometry type {geom}, expected {want_geom}")

    message, ok = layer.loadSldStyle(sld_path)
    if not ok:
        fail(cid, f"loadSldStyle: {message}")
        return
    renderer = layer.renderer()
    rtype = renderer.type()
    notes = [rtype]

    classes = entry.get("classes", [])
    if classes:
        check_classes(cid, layer, renderer, entry, point, notes)
    else:
        symbols = renderer.symbols(layer.createExpressionContext()) if rtype == "RuleRenderer" \
            else [renderer.symbol()] if hasattr(renderer, "symbol") else []
        if len(symbols) != 1:
            fail(cid, f"{rtype} with {len(symbols)} symbols, expected one symbol")
        else:
            fill = entry.get("fill")
            check_symbol(cid, "the symbol", symbols[0], entry, fill.upper() if fill else None)
            kind = {0: "marker", 1: "line", 2: "fill"}.get(int(symbols[0].type()), "?")
            layers = [symbols[0].symbolLayer(i).layerType()
                      for i in range(symbols[0].symbolLayerCount())]
            notes.append(f"one {kind} symbol ({'+'.join(layers)})")

    label = entry.get("label")
    if label:
        check_labels(cid, layer, label, notes)
    elif layer.labelsEnabled():
        fail(cid, "labels in QGIS, none in the style")

    qml = os.path.join(out_dir, f"{cid}.qml")
    message, ok = layer.saveNamedStyle(qml)
    if not ok:
        fail(cid, f"saveNamedStyle: {message}")
    verdict = "ok" if len(FAILURES) == failures_before else "bad"
    print(f"{verdict} {cid}: {', '.join(notes)} ({layer.featureCount()} features)", flush=True)


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    base, style_json, out_dir = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    os.makedirs(out_dir, exist_ok=True)
    with open(style_json, encoding="utf-8") as f:
        sheet = json.load(f)

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    try:
        collections = json.loads(fetch(f"{base}/collections?f=json"))["collections"]
        checked = 0
        for c in collections:
            cid = c["id"]
            # Point or polygon: what the service says it holds (its styles link is the test
            # of whether it has a style at all).
            try:
                styles = json.loads(fetch(f"{base}/collections/{cid}/styles"))
            except urllib.error.HTTPError as e:
                if e.code == 404:
                    print(f"skip {cid}: no style", flush=True)
                    continue
                raise
            entry = style_of(sheet, cid, True)
            point = entry is not None and entry["kind"] == "point"
            if not styles.get("styles"):
                fail(cid, "styles without a style")
                continue
            try:
                check_layer(base, sheet, cid, point, out_dir)
            except Exception:  # noqa: BLE001  (reported, and the next layer checked)
                fail(cid, traceback.format_exc())
            checked += 1
        print(f"{checked} layers checked, {len(FAILURES)} failures", flush=True)
        if checked == 0:
            fail("-", "no layer had a style")
    finally:
        app.exitQgis()
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
