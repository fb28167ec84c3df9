/** The server's word on one field, beside it (the input points at it with aria-describedby). */
export function FieldError({ id, messages }: { id: string; messages: string[] | undefined }) {
  if (messages === undefined || messages.length === 0) return null;
  return (
    <span id={id} className="field-error">
      {messages.join('; ')}
    </span>
  );
}
