import { Unauthorised } from './api.js';
import { errorNote, h } from './dom.js';

/**
 * What a finished action calls back into the console (console.js sets them): a refresh, so what
 * it changed shows at once, and the sign-in form, when the session has ended.
 */
export const after = { refresh: () => {}, signIn: () => {} };

/**
 * A button that runs `work`, disabled meanwhile; failures are shown beside it. With `ready`, the
 * button is enabled only while ready() is true (call the returned update() when that changes).
 */
export function action(label, work, attrs = {}, ready) {
  const out = h('span', { role: 'status' });
  const b = h(
    'button',
    {
      type: 'button',
      ...attrs,
      disabled: ready ? !ready() : attrs.disabled,
      'data-key': attrs['data-key'] || label,
      onclick: async () => {
        if (ready && !ready()) return;
        b.disabled = true;
        out.textContent = '';
        try {
          const msg = await work();
          out.textContent = msg || '';
          after.refresh(); // what it changed shows at once (silences, for one, send no event)
        } catch (err) {
          if (err instanceof Unauthorised) return after.signIn();
          out.replaceChildren(errorNote(err));
        } finally {
          b.disabled = ready ? !ready() : false;
        }
      },
    },
    label,
  );
  const row = h('span', { class: 'row' }, b, out);
  row.update = () => {
    b.disabled = ready ? !ready() : false;
  };
  return row;
}
