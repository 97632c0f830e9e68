// The printed pages in Chromium (tests/browser/test_pages_browser.cpp starts the server):
// the overview of a gebied and the welcome pack of an address, on a desktop and a 360 px
// phone screen and as print media. Through the harness (harness.mjs): no console error, no
// request outside 127.0.0.1, screenshots in the build folder.
// Environment: GEBIEDEN_URL, GEBIEDEN_GEBIED (an id), GEBIEDEN_BUURTEN (how many buurten the
// gebied has), GEBIEDEN_ADDRESS, GEBIEDEN_EXPECT (the gebied's name|its team's name).
import { openPage, decodePng } from './harness.mjs';

const base = process.env.GEBIEDEN_URL;
const gebied = process.env.GEBIEDEN_GEBIED;
const buurten = Number(process.env.GEBIEDEN_BUURTEN);
const address = process.env.GEBIEDEN_ADDRESS;
const [gebiedNaam, teamNaam] = (process.env.GEBIEDEN_EXPECT || '').split('|');
let failed = 0, passed = 0;
function check(ok, what) {
  if (ok) { ++passed; console.log(`ok: ${what}`); } else { ++failed; console.log(`FAILED: ${what}`); }
}

/** How many pixels of a PNG are neither white nor near-white (something is drawn). */
function inked(png) {
  const { width, height, data: pixels } = decodePng(png);
  let n = 0;
  for (let i = 0; i < width * height * 4; i += 4)
    if (pixels[i] < 230 || pixels[i + 1] < 230 || pixels[i + 2] < 230) ++n;
  return n / (width * height);
}

async function page(url, name, inspect) {
  for (const [view, viewport] of [['desktop', { width: 1280, height: 900 }],
                                  ['mobile', { width: 360, height: 740 }]]) {
    const s = await openPage(url, { viewport, isMobile: view === 'mobile', hasTouch: view === 'mobile' });
    try {
      if (view === 'desktop') await inspect(s.page);
      // Nothing wider than the screen: the page reads on a phone without sideways scrolling
      // or zooming out, and no text runs past its right edge (a wide table may scroll in a
      // box of its own).
      const wide = await s.page.evaluate((width) => {
        const scrolls = (e) => {
          for (let a = e.parentElement; a; a = a.parentElement) {
            const o = getComputedStyle(a).overflowX;
            if (o === 'auto' || o === 'scroll') return true;
          }
          return false;
        };
        const cut = [...document.querySelectorAll('main p, main h1, main h2, main h3, main li, main dt, main dd, main a')]
          .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > width + 1 && !scrolls(e))
          .map((e) => `${e.tagName.toLowerCase()} "${e.textContent.trim().slice(0, 40)}"`);
        return { page: document.documentElement.scrollWidth - width, cut };
      }, viewport.width);
      check(wide.page <= 1, `${name} ${view}: no sideways scrolling (${wide.page} px too wide)`);
      check(wide.cut.length === 0, `${name} ${view}: no text past the screen's edge (${wide.cut.slice(0, 3).join(', ')})`);
      const shot = await s.screenshot(`${name}-${view}`);
      check(inked(shot) > 0.02, `${name} ${view}: the screenshot shows something`);
      if (view === 'desktop') {
        await s.page.emulateMedia({ media: 'print' });
        await s.screenshot(`${name}-print`, { fullPage: true });
        const nav = await s.page.evaluate(() => {
          const h = document.querySelector('body > header');
          return h ? getComputedStyle(h).display : 'none';
        });
        check(nav === 'none', `${name} print: the site header is not printed`);
      }
      s.check();
      check(true, `${name} ${view}: no console error, no request outside 127.0.0.1`);
    } catch (e) {
      check(false, `${name} ${view}: ${e.message}`);
    } finally {
      await s.close();
    }
  }
}

await page(`${base}/gebieden/${encodeURIComponent(gebied)}/overzicht?f=html`, 'overzicht', async (p) => {
  const n = await p.locator('svg path.buurt').count();
  check(n === buurten, `overview: one shape per buurt on the map (${n} of ${buurten})`);
  const box = await p.locator('svg[role=img]').first().boundingBox();
  check(box && box.width > 200 && box.height > 150, 'overview: the map has a size');
  const bars = await p.locator('svg rect').count();
  check(bars > 0, `overview: charts are drawn (${bars} bars)`);
  const text = await p.locator('main').innerText();
  check(text.includes(gebiedNaam), `overview names the gebied ${gebiedNaam}`);
});

await page(`${base}/welkom?adres=${encodeURIComponent(address)}`, 'welkom', async (p) => {
  const text = await p.locator('body').innerText();
  check(text.includes(gebiedNaam), `welcome pack names the gebied ${gebiedNaam}`);
  check(text.includes(teamNaam), `welcome pack names the team ${teamNaam}`);
  const shapes = await p.locator('figure svg path').count();
  check(shapes > 0, `welcome pack: the map shows the buurt (${shapes} shapes)`);
  const pdf = await p.locator('a[href*="f=pdf"]').count();
  check(pdf > 0, 'welcome pack links to its PDF');
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
