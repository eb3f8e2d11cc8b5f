/**
 * The dashboard's entry: a router over the URL's hash (#/models, #/jobs/ID, ...). Each page is
 * `(view, { params, query, signal }) => Promise`; `signal` aborts when the user leaves the page,
 * which ends its requests and event streams.
 */
import { KEY_CHANGED } from "./api.js";
import { errorBox, h } from "./dom.js";
import { setUpLogin } from "./login.js";
import { datasetList, datasetPage } from "./pages/datasets.js";
import { jobPage } from "./pages/job.js";
import { jobList } from "./pages/jobs.js";
import { modelList, modelPage } from "./pages/models.js";
import { newJobPage } from "./pages/new_job.js";

const ROUTES = [
  [/^\/models$/, modelList],
  [/^\/models\/([^/]+)$/, modelPage],
  [/^\/datasets$/, datasetList],
  [/^\/datasets\/([^/]+)$/, datasetPage],
  [/^\/jobs$/, jobList],
  [/^\/jobs\/new$/, newJobPage],
  [/^\/jobs\/([^/]+)$/, jobPage],
];

const view = document.getElementById("view");
const checkLogin = setUpLogin();
let current = new AbortController();

async function route() {
  current.abort();
  const controller = (current = new AbortController());
  const [path, search = ""] = (location.hash.slice(1) || "/jobs").split("?");
  const match = ROUTES.map(([pattern, page]) => [path.match(pattern), page]).find(([m]) => m);
  if (!match) {
    view.replaceChildren(h("h1", {}, "Not found"), h("p", {}, "No page at ", h("code", {}, location.hash)));
    return;
  }
  const [m, page] = match;
  view.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  try {
    await page(view, { params: m.slice(1).map(decodeURIComponent), query: new URLSearchParams(search), signal: controller.signal });
  } catch (error) {
    if (!controller.signal.aborted) view.replaceChildren(errorBox(error));
  }
}

window.addEventListener("hashchange", route);
window.addEventListener(KEY_CHANGED, () => {
  void checkLogin();
  void route();
});
void checkLogin();
void route();
