/**
 * The login box: the key the user gives is kept in this tab (sessionStorage) and checked at once
 * against the API; without one, the box says whether the server answers without a key (open mode).
 */
import { api, apiKey, ApiError } from "./api.js";

export function setUpLogin() {
  const form = document.getElementById("login");
  const input = document.getElementById("api-key");
  const logout = document.getElementById("logout");
  const state = document.getElementById("login-state");

  async function check() {
    const hasKey = apiKey.get() !== null;
    input.hidden = hasKey;
    form.querySelector("[type=submit]").hidden = hasKey;
    logout.hidden = !hasKey;
    try {
      await api("/v1/models?limit=1");
      state.textContent = hasKey ? "Key in use" : "Open mode: no key needed";
    } catch (error) {
      const refused = error instanceof ApiError && error.status === 401;
      state.textContent = refused ? (hasKey ? "Key refused" : "This server needs an API key") : error.message;
    }
    form.dataset.state = state.textContent;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (key === "") return;
    input.value = "";
    apiKey.set(key);
  });
  logout.addEventListener("click", () => apiKey.clear());
  return check;
}
