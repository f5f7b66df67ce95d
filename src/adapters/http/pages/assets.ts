import type { Hono } from 'hono'
import type { AuthEnv } from '../require-auth.js'

/**
 * The pages' one stylesheet (`GET /ui/style.css`). Restyle the pages by serving another at this
 * path in front of the service, or replace the pages altogether (README.md, "What a person sees").
 */
export const STYLESHEET = `:root{color-scheme:light dark;--accent:#2557d6;--bad:#b3261e;font-family:system-ui,sans-serif;line-height:1.5}
body{margin:0;padding:0 1rem}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between;max-width:40rem;margin:0 auto;padding:1rem 0;border-bottom:1px solid #8884}
header ul{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;margin:0;padding:0}
header nav{display:flex;gap:1rem;align-items:center}
header form{margin:0}
.home{font-weight:600;text-decoration:none}
main{max-width:40rem;margin:0 auto;padding:1rem 0 3rem}
a{color:var(--accent)}
.field{margin:0 0 1rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
input{font:inherit;padding:.5rem;width:100%;max-width:24rem;box-sizing:border-box;border:1px solid #888;border-radius:4px}
input[aria-invalid=true]{border-color:var(--bad);outline:1px solid var(--bad)}
button{font:inherit;padding:.5rem 1rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.danger{background:var(--bad);border-color:var(--bad)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.error,.alert{color:var(--bad);margin:.25rem 0 0}
.alert{border:1px solid var(--bad);padding:.5rem .75rem;border-radius:4px;margin:0 0 1rem}
.notice{border:1px solid #2a7d2a;padding:.5rem .75rem;border-radius:4px}
.sessions{list-style:none;padding:0}
.sessions li{border:1px solid #8884;border-radius:4px;padding:.75rem;margin-bottom:.75rem}
.sessions form{margin-top:.5rem}
`

/**
 * The pages' one script (`GET /ui/app.js`), progressive enhancement only: every form works
 * without it. It moves focus to the first field in error (or the form's alert), and asks before
 * a form marked `data-confirm` is sent.
 */
export const SCRIPT = `document.addEventListener('DOMContentLoaded',function(){
var bad=document.querySelector('[aria-invalid=true]')||document.querySelector('.alert');
if(bad){if(!bad.matches('input'))bad.tabIndex=-1;bad.focus()}
document.querySelectorAll('form[data-confirm]').forEach(function(f){
f.addEventListener('submit',function(e){if(!window.confirm(f.dataset.confirm))e.preventDefault()})})});
`

/** Served with their types and an hour's caching: they change only with a new version of the service. */
export function mountAssets(app: Hono<AuthEnv>): void {
  const cached = 'public, max-age=3600'
  app.get('/ui/style.css', (c) =>
    c.body(STYLESHEET, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': cached }),
  )
  app.get('/ui/app.js', (c) =>
    c.body(SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': cached }),
  )
}
