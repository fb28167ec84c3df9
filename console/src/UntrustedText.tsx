import { segments } from '../../src/core/untrusted-text';

/**
 * A value that came from an event (a login, a path, a user agent, an IP): shown as text, in its own
 * bidirectional isolate, with steering characters escaped and marked (src/core/untrusted-text.ts,
 * shared with the server).
 */
export function UntrustedText({ value }: { value: string }) {
  return (
    <bdi className="untrusted">
      {segments(value).map((s, i) =>
        s.escaped ? (
          <span key={i} className="escaped" title="a control character, shown escaped">
            {s.text}
          </span>
        ) : (
          s.text
        ),
      )}
    </bdi>
  );
}
