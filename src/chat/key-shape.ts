/**
 * The key structure of a JSON value, without any of its values: `{data:{flows:[{caller:{name}}]},id}`.
 * An event type the bridge does not read is logged with this, so the log tells what it looks
 * like and holds no name, number or message. Array elements are merged into one shape; a key
 * that could itself be a value (digits, an address, odd characters) is written `<key>`.
 */
export function keyShape(value: unknown): string {
  const root: ShapeNode = {};
  walk(value, root, 0, { left: MAX_KEYS });
  return render(root);
}

interface ShapeNode {
  keys?: Map<string, ShapeNode>;
  items?: ShapeNode;
}

const MAX_DEPTH = 8;
const MAX_KEYS = 300;
const MAX_ITEMS = 20;
/** A name as a programmer writes one: a few letters, digits, `_` or `-`, not a number in disguise. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

function keyName(key: string): string {
  return PLAIN_KEY.test(key) && (key.match(/\d/g)?.length ?? 0) <= 4 ? key : '<key>';
}

function walk(value: unknown, node: ShapeNode, depth: number, budget: { left: number }): void {
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return;
  if (Array.isArray(value)) {
    node.items ??= {};
    const items = node.items;
    for (const item of value.slice(0, MAX_ITEMS)) walk(item, items, depth + 1, budget);
    return;
  }
  node.keys ??= new Map();
  const keys = node.keys;
  for (const [k, v] of Object.entries(value)) {
    if (budget.left <= 0) return;
    const name = keyName(k);
    let child = keys.get(name);
    if (!child) {
      budget.left--;
      child = {};
      keys.set(name, child);
    }
    walk(v, child, depth + 1, budget);
  }
}

function render(node: ShapeNode): string {
  const parts: string[] = [];
  if (node.keys) {
    const entries = [...node.keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    parts.push(
      `{${entries
        .map(([k, child]) => {
          const inner = render(child);
          return inner ? `${k}:${inner}` : k;
        })
        .join(',')}}`,
    );
  }
  if (node.items) parts.push(`[${render(node.items)}]`);
  return parts.join('|');
}
