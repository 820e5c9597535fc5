import { escapeForLog } from "@/lib/text/escape";
import { visibleText } from "@/lib/text/visible";

/**
 * Text a device sent (an error message, a firmware version), shown rather than obeyed:
 * control, bidi and invisible characters appear as `⟨U+202E⟩`-style placeholders, and
 * `<bdi>` isolates the text's direction from the rest of the row. The title holds the
 * exact value, escaped (`\n`, `\u{202E}`, `\\`), for whoever needs to tell them apart.
 */
export function DeviceText({ value, className }: { value: string; className?: string }) {
  return (
    <bdi className={className} title={escapeForLog(value, Infinity)}>
      {visibleText(value)}
    </bdi>
  );
}
