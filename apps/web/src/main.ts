import './style.css';
import { api, ApiError, attachmentProblem } from './api-client.js';
import type { EnvironmentInfo, Health, Item } from './api-client.js';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { text?: string; className?: string; testId?: string } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  // textContent only: nothing from the API is ever parsed as HTML.
  if (props.text !== undefined) node.textContent = props.text;
  if (props.className) node.className = props.className;
  if (props.testId) node.dataset.testid = props.testId;
  node.append(...children);
  return node;
}

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from index.html`);
  return node as T;
}

const identity = byId<HTMLElement>('identity');
const health = byId<HTMLElement>('health');
const list = byId<HTMLUListElement>('items');
const form = byId<HTMLFormElement>('create-form');
const formError = byId<HTMLElement>('form-error');
const fileInput = byId<HTMLInputElement>('item-file');
let attachmentsEnabled = false;

function message(e: unknown): string {
  return e instanceof ApiError || e instanceof Error ? e.message : String(e);
}

function renderIdentity(env: EnvironmentInfo): void {
  const rows: [string, string][] = [
    ['environment', env.environment],
    ['branch', env.branch],
    ['commit', env.commit.slice(0, 12)],
    ['profile', env.profile],
    ['database', env.databaseEngine],
    ['config', env.configSource],
  ];
  const dl = el('dl');
  for (const [k, v] of rows)
    dl.append(el('dt', { text: k }), el('dd', { text: v, testId: `env-${k}` }));
  const services = el('ul', { className: 'services' });
  for (const s of env.services)
    services.append(
      el(
        'li',
        { testId: `service-${s.service}` },
        `${s.service}: `,
        s.url ? el('a', { text: s.url }) : el('span', { text: s.error ?? 'not found' }),
        ...(s.fallback
          ? [el('span', { className: 'badge', text: `fallback: ${s.environment}` })]
          : []),
      ),
    );
  identity.replaceChildren(
    el('h2', { text: env.app }),
    dl,
    el('h3', { text: 'services' }),
    services,
  );
  attachmentsEnabled = env.attachments;
  fileInput.disabled = !env.attachments;
  fileInput.title = env.attachments ? '' : 'attachments need DATA_BUCKET';
}

function renderHealth(h: Health | undefined, error?: string): void {
  const status = h?.status ?? 'unreachable';
  const checks = h
    ? Object.entries(h.checks).map(([name, c]) =>
        el('li', {
          text: `${name}: ${c.ok ? 'ok' : 'failing'} (${c.latencyMs} ms) ${c.ok ? '' : c.detail}`,
        }),
      )
    : [el('li', { text: error ?? '' })];
  health.replaceChildren(
    el('span', { className: `status status-${status}`, text: status, testId: 'health-status' }),
    el('ul', {}, ...checks),
  );
}

function renderItems(items: Item[]): void {
  if (items.length === 0) {
    list.replaceChildren(el('li', { className: 'empty', text: 'no items yet' }));
    return;
  }
  list.replaceChildren(
    ...items.map((item) => {
      const remove = el('button', { text: 'delete', className: 'secondary' });
      remove.type = 'button';
      remove.addEventListener('click', () => void removeItem(item.id));
      const parts: (Node | string)[] = [
        el('strong', { text: item.name, testId: 'item-name' }),
        ...(item.description ? [el('p', { text: item.description })] : []),
      ];
      if (item.attachment) {
        const link = el('button', { text: `📎 ${item.attachment.fileName}`, className: 'link' });
        link.type = 'button';
        link.addEventListener('click', () => void download(item.id));
        parts.push(link);
      }
      parts.push(remove);
      return el('li', { testId: 'item' }, ...parts);
    }),
  );
}

async function refreshItems(): Promise<void> {
  try {
    renderItems((await api.listItems()).items);
  } catch (e) {
    list.replaceChildren(el('li', { className: 'error', text: message(e) }));
  }
}

async function refreshHealth(): Promise<void> {
  try {
    renderHealth(await api.health());
  } catch (e) {
    renderHealth(undefined, message(e));
  }
}

async function removeItem(id: string): Promise<void> {
  try {
    await api.deleteItem(id);
  } catch (e) {
    formError.textContent = message(e);
  }
  await refreshItems();
}

async function download(id: string): Promise<void> {
  try {
    window.open((await api.downloadUrl(id)).url, '_blank', 'noopener');
  } catch (e) {
    formError.textContent = message(e);
  }
}

/** Records the attachment, then PUTs the bytes to the presigned URL (Content-Length = file.size). */
async function upload(itemId: string, file: File): Promise<void> {
  const { upload: target } = await api.attach(itemId, file);
  const put = await fetch(target.url, {
    method: target.method,
    headers: target.headers,
    body: file,
  });
  if (!put.ok) throw new Error(`upload of ${file.name} failed: HTTP ${put.status}`);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void (async () => {
    const data = new FormData(form);
    const name = String(data.get('name') ?? '');
    const description = String(data.get('description') ?? '').trim();
    const file = attachmentsEnabled ? fileInput.files?.[0] : undefined;
    formError.textContent = '';
    // Creating the item and attaching the file are two requests: refuse a file the API would
    // refuse before the item exists.
    const problem = file ? attachmentProblem(file) : undefined;
    if (problem) {
      formError.textContent = problem;
      return;
    }
    const submit = form.querySelector('button[type=submit]') as HTMLButtonElement;
    submit.disabled = true;
    try {
      const item = await api.createItem(name, description === '' ? null : description);
      try {
        if (file) await upload(item.id, file);
        form.reset();
      } catch (e) {
        // The item exists: clear the form, so submitting again does not create it a second time.
        form.reset();
        formError.textContent = `${item.name} was created, but its attachment was not: ${message(e)}`;
      }
    } catch (e) {
      formError.textContent = message(e);
    } finally {
      submit.disabled = false;
    }
    await refreshItems();
  })();
});

void api
  .environment()
  .then(renderIdentity)
  .catch((e: unknown) =>
    identity.replaceChildren(el('p', { className: 'error', text: message(e) })),
  );
void refreshHealth();
void refreshItems();
setInterval(() => void refreshHealth(), 15_000);
