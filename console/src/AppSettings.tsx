import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, detectors as loadDetectors, listApps, saveSettings, type AppSettings as Settings, type AppSummary, type DetectorInfo, type FieldIssue } from './api';
import { FieldError } from './FieldError';
import { PlaybookList } from './PlaybookList';
import { TokenRotation } from './TokenRotation';

/** The form's values: text as typed, so that what the server refuses is shown as it was entered. */
interface DetectorForm {
  enabled: boolean;
  simulate: boolean;
  params: Record<string, string>;
}
interface Form {
  detectors: Record<string, DetectorForm>;
  ips: string;
  users: string;
}

function formOf(settings: Settings, catalog: DetectorInfo[]): Form {
  const detectors: Record<string, DetectorForm> = {};
  for (const d of catalog) {
    const own = settings.detectors?.[d.name] ?? {};
    const params: Record<string, string> = {};
    for (const p of d.params) params[p.name] = own[p.name] === undefined ? '' : String(own[p.name]);
    detectors[d.name] = { enabled: own.enabled !== false, simulate: own.simulate === true, params };
  }
  return { detectors, ips: (settings.allowlist?.ips ?? []).join('\n'), users: (settings.allowlist?.users ?? []).join('\n') };
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** The settings to send: the form's fields over what the application has (keys the form does not show are kept). */
function settingsOf(form: Form, current: Settings, catalog: DetectorInfo[]): Settings {
  const detectors: Record<string, Record<string, unknown>> = {};
  for (const d of catalog) {
    const f = form.detectors[d.name];
    if (f === undefined) continue;
    const entry: Record<string, unknown> = {};
    if (!f.enabled) entry.enabled = false;
    if (f.simulate) entry.simulate = true;
    for (const p of d.params) {
      const text = f.params[p.name]?.trim() ?? '';
      if (text === '') continue;
      // Numbers go as numbers, whatever they are: the server's validation (the CLI's) judges them.
      entry[p.name] = typeof p.default === 'number' && text !== '' && !Number.isNaN(Number(text)) ? Number(text) : text;
    }
    if (Object.keys(entry).length > 0) detectors[d.name] = entry;
  }
  const { detectors: _d, allowlist: _a, ...rest } = current;
  const ips = lines(form.ips);
  const users = lines(form.users);
  return {
    ...rest,
    ...(Object.keys(detectors).length > 0 ? { detectors } : {}),
    ...(ips.length + users.length > 0 ? { allowlist: { ...(ips.length > 0 ? { ips } : {}), ...(users.length > 0 ? { users } : {}) } } : {}),
  };
}

/** Issues by the field they belong to: `allowlist.ips.3` → `allowlist.ips` (line 4). */
function byField(issues: FieldIssue[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const issue of issues) {
    const list = /^allowlist\.(ips|users)\.(\d+)$/.exec(issue.path);
    const key = list === null ? issue.path : `allowlist.${list[1]}`;
    const message = list === null ? issue.message : `line ${Number(list[2]) + 1}: ${issue.message}`;
    out.set(key, [...(out.get(key) ?? []), message]);
  }
  return out;
}

export function AppSettings({ appId }: { appId: string }) {
  const [catalog, setCatalog] = useState<DetectorInfo[] | null>(null);
  const [app, setApp] = useState<AppSummary | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [issues, setIssues] = useState<Map<string, string[]>>(new Map());
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    Promise.all([loadDetectors(), listApps()]).then(
      ([detectors, apps]) => {
        const found = apps.find((a) => a.appId === appId);
        if (found === undefined) return setFailure(`There is no application ${appId}.`);
        setCatalog(detectors);
        setApp(found);
        setForm(formOf(found.settings, detectors));
      },
      (e: Error) => setFailure(e.message),
    );
  }, [appId]);

  if (catalog === null || app === null || form === null) return failure === null ? <p className="loading">Loading…</p> : <p role="alert">{failure}</p>;

  const setDetector = (name: string, change: (d: DetectorForm) => DetectorForm) =>
    setForm((f) => (f === null ? f : { ...f, detectors: { ...f.detectors, [name]: change(f.detectors[name] as DetectorForm) } }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setNotice(null);
    setFailure(null);
    try {
      const saved = await saveSettings(appId, settingsOf(form, app.settings, catalog));
      setApp(saved);
      setIssues(new Map());
      setNotice(`Saved (revision ${saved.revision}). Running detectors apply it within a few seconds.`);
    } catch (e) {
      if (e instanceof ApiError && e.issues.length > 0) {
        setIssues(byField(e.issues));
        setFailure('Nothing was saved: fix the fields marked below.');
      } else {
        setFailure((e as Error).message);
      }
    } finally {
      setBusy(false);
    }
  };

  const formIssues = [...issues.entries()].filter(([key]) => !isFieldKey(key, catalog));
  return (
    <section aria-labelledby="settings-title" className="settings">
      <h1 id="settings-title">Settings of {appId}</h1>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {failure !== null && (
          <div role="alert" className="form-error">
            <p>{failure}</p>
            {formIssues.map(([key, messages]) => (
              <p key={key}>
                {key}: {messages.join('; ')}
              </p>
            ))}
          </div>
        )}
        <h2>Detectors</h2>
        {catalog.map((d) => {
          const f = form.detectors[d.name] as DetectorForm;
          const id = (part: string) => `${d.name}-${part}`;
          return (
            <fieldset key={d.name} className="detector">
              <legend>{d.name}</legend>
              <p className="hint">{d.description}</p>
              <FieldError id={id('error')} messages={issues.get(`detectors.${d.name}`)} />
              <span className="check">
                <input id={id('enabled')} type="checkbox" checked={f.enabled} onChange={(e) => setDetector(d.name, (x) => ({ ...x, enabled: e.target.checked }))} />
                <label htmlFor={id('enabled')}>Enabled</label>
              </span>
              <span className="check">
                <input id={id('simulate')} type="checkbox" checked={f.simulate} onChange={(e) => setDetector(d.name, (x) => ({ ...x, simulate: e.target.checked }))} />
                <label htmlFor={id('simulate')}>Simulate (write responses marked simulated; agents do not enforce them)</label>
              </span>
              <div className="params">
                {d.params.map((p) => {
                  const key = `detectors.${d.name}.${p.name}`;
                  const messages = issues.get(key);
                  return (
                    <span className="field" key={p.name}>
                      <label htmlFor={id(p.name)}>{p.name}</label>
                      <input
                        id={id(p.name)}
                        type="text"
                        inputMode={typeof p.default === 'number' ? 'numeric' : 'text'}
                        placeholder={p.default === null ? undefined : `default ${String(p.default)}`}
                        value={f.params[p.name] ?? ''}
                        onChange={(e) => setDetector(d.name, (x) => ({ ...x, params: { ...x.params, [p.name]: e.target.value } }))}
                        aria-invalid={messages !== undefined}
                        aria-describedby={messages !== undefined ? id(`${p.name}-error`) : undefined}
                      />
                      {p.description !== null && <span className="hint">{p.description}</span>}
                      <FieldError id={id(`${p.name}-error`)} messages={messages} />
                    </span>
                  );
                })}
              </div>
            </fieldset>
          );
        })}
        <h2>Allowlist (never answered)</h2>
        <Lines label="IP addresses and ranges, one per line" id="allow-ips" value={form.ips} onChange={(ips) => setForm({ ...form, ips })} messages={issues.get('allowlist.ips')} />
        <Lines label="Users (logins), one per line" id="allow-users" value={form.users} onChange={(users) => setForm({ ...form, users })} messages={issues.get('allowlist.users')} />
        <div className="actions">
          <button type="submit" disabled={busy}>
            Save settings
          </button>
          {notice !== null && <p role="status">{notice}</p>}
        </div>
      </form>
      <PlaybookList appId={appId} />
      <TokenRotation app={app} />
    </section>
  );
}

function isFieldKey(key: string, catalog: DetectorInfo[]): boolean {
  if (key === 'allowlist.ips' || key === 'allowlist.users') return true;
  return catalog.some((d) => key === `detectors.${d.name}` || d.params.some((p) => key === `detectors.${d.name}.${p.name}`));
}

function Lines({ label, id, value, onChange, messages }: { label: string; id: string; value: string; onChange: (value: string) => void; messages: string[] | undefined }) {
  return (
    <span className="field wide">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        rows={3}
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={messages !== undefined}
        aria-describedby={messages !== undefined ? `${id}-error` : undefined}
      />
      <FieldError id={`${id}-error`} messages={messages} />
    </span>
  );
}
