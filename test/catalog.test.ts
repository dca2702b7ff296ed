import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMON_FIELDS, EVENTS, fieldOf, fieldsOf } from '../src/events/catalog';

test('the catalog has the 21 tracepoints of the seed, each once', () => {
  assert.equal(EVENTS.length, 21);
  assert.equal(new Set(EVENTS.map((e) => e.tracepoint)).size, 21);
  for (const e of EVENTS) assert.match(e.name, /^(oom|mem|cgroup|migrate|process)\.[a-z_]+$/);
});

test('every C member that fills a field names a field the catalog declares', () => {
  for (const e of EVENTS) {
    for (const m of e.members) {
      if (m.field) assert.ok(fieldOf(e, m.field), `${e.name}: member ${m.c} fills undeclared field ${m.field}`);
    }
  }
});

test('field names are unique per event and enums list their values', () => {
  for (const e of EVENTS) {
    const names = fieldsOf(e).map((f) => f.name);
    assert.equal(new Set(names).size, names.length, `${e.name} has duplicate fields`);
    for (const f of fieldsOf(e)) {
      if (f.type === 'enum') assert.ok((f.values?.length ?? 0) > 0, `${e.name}.${f.name}`);
      assert.ok(f.doc.length > 0, `${e.name}.${f.name} is documented`);
    }
  }
  assert.deepEqual(
    COMMON_FIELDS.map((f) => f.name),
    ['pid', 'tgid', 'uid', 'comm', 'cpu', 'cgroup', 'cgroup_id'],
  );
});
