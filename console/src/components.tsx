// Building blocks shared by the screens. Everything user-supplied is rendered as text (JSX escapes
// it); nothing in the console sets innerHTML.
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

/** Loads data for a screen; `reload` runs it again (after a change). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: useCallback(() => setTick((t) => t + 1), []) };
}

/** An API error as AWS reports it: its type, then its message. */
export function ErrorBox({ error }: { error: unknown }): JSX.Element | null {
  if (error === undefined || error === null) return null;
  const code = error instanceof ApiError ? error.code : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="alert alert-error" role="alert">
      <strong class="alert-code">{code}</strong>
      <span>{message}</span>
    </div>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'success' | 'warning'; children: ComponentChildren }): JSX.Element {
  return (
    <div class={`alert alert-${kind}`} role="status">
      <span>{children}</span>
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }): JSX.Element {
  return (
    <p class="muted" aria-live="polite">
      {what}…
    </p>
  );
}

export function Card({ title, actions, children, id }: { title: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; id?: string }): JSX.Element {
  const headingId = id ?? (typeof title === 'string' ? `card-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}` : undefined);
  return (
    <section class="card" aria-labelledby={headingId}>
      <header class="card-header">
        <h2 id={headingId}>{title}</h2>
        {actions ? <div class="card-actions">{actions}</div> : null}
      </header>
      <div class="card-body">{children}</div>
    </section>
  );
}

export function KeyValues({ items }: { items: [string, ComponentChildren][] }): JSX.Element {
  return (
    <dl class="kv">
      {items.map(([k, v]) => (
        <div class="kv-item" key={k}>
          <dt>{k}</dt>
          <dd>{v === undefined || v === null || v === '' ? '—' : v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Badge({ children, tone = 'neutral' }: { children: ComponentChildren; tone?: 'neutral' | 'good' | 'warn' | 'bad' | 'info' }): JSX.Element {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

export const statusTone = (s: string | undefined): 'good' | 'warn' | 'bad' | 'info' | 'neutral' =>
  s === 'ACTIVE' || s === 'Successful' ? 'good' : s === 'FAILED' || s === 'Failed' || s === 'Cancelled' ? 'bad' : s === 'CREATING' || s === 'UPDATING' || s === 'InProgress' || s === 'DELETING' ? 'warn' : 'neutral';

/** Text input with its label (every control is labelled, for screen readers and axe). */
export function TextField(props: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  id: string;
  placeholder?: string;
  hint?: string;
  required?: boolean;
  type?: string;
  list?: string;
  autoFocus?: boolean;
}): JSX.Element {
  return (
    <div class="field">
      <label for={props.id}>
        {props.label}
        {props.required ? <span class="req"> (required)</span> : null}
      </label>
      <input
        id={props.id}
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        required={props.required}
        list={props.list}
        autoFocus={props.autoFocus}
        spellcheck={false}
        autoComplete="off"
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
      {props.hint ? (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

export function TextArea(props: { label: string; value: string; onInput: (v: string) => void; id: string; rows?: number; hint?: string; mono?: boolean }): JSX.Element {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        rows={props.rows ?? 4}
        class={props.mono ? 'mono' : undefined}
        value={props.value}
        spellcheck={false}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
        onInput={(e) => props.onInput((e.target as HTMLTextAreaElement).value)}
      />
      {props.hint ? (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

export function Select(props: { label: string; value: string; onChange: (v: string) => void; id: string; options: (string | [string, string])[]; hint?: string }): JSX.Element {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {props.options.map((o) => {
          const [value, text] = typeof o === 'string' ? [o, o] : o;
          return (
            <option value={value} key={value}>
              {text}
            </option>
          );
        })}
      </select>
      {props.hint ? <p class="hint">{props.hint}</p> : null}
    </div>
  );
}

/** A modal confirmation (native <dialog>: focus is trapped and Escape cancels). */
export function Confirm(props: { open: boolean; title: string; children: ComponentChildren; confirmLabel: string; danger?: boolean; onConfirm: () => void; onCancel: () => void; busy?: boolean }): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="dialog-title" onCancel={(e) => (e.preventDefault(), props.onCancel())}>
      <h2 id="dialog-title">{props.title}</h2>
      <div class="dialog-body">{props.children}</div>
      <div class="dialog-actions">
        <button type="button" class="btn" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class={props.danger ? 'btn btn-danger' : 'btn btn-primary'} onClick={props.onConfirm} disabled={props.busy}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** Page n of a list, with previous/next (1-based). */
export function Pager({ page, pages, total, onPage, label }: { page: number; pages: number; total: number; onPage: (p: number) => void; label: string }): JSX.Element | null {
  if (total === 0) return null;
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" class="btn btn-small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages} · {total} {total === 1 ? 'item' : 'items'}
      </span>
      <button type="button" class="btn btn-small" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}

/** Runs an action with busy and error state (the error shown where the action is). */
export function useAction(): { busy: boolean; error: unknown; run: (f: () => Promise<void>) => Promise<boolean>; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await f();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(undefined) };
}

export function Json({ value }: { value: unknown }): JSX.Element {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function Empty({ children }: { children: ComponentChildren }): JSX.Element {
  return <p class="empty">{children}</p>;
}
