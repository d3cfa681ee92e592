// A 会员证号 is eight random digits: when the number drawn is taken, filing draws again
// instead of failing. On PostgreSQL a failed INSERT would end the whole transaction, so
// the clash must never surface as an error; a trigger forces one clash to prove it.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { idCard, login } from '../lib/client.mjs'
import { startServer } from '../lib/server.mjs'
import { sql } from '../lib/sql.mjs'

const skip = process.env.GONGHUI_TEST_PG ? false : 'needs PostgreSQL (a trigger that rewrites the card number)'

describe('a clash of card numbers (postgresql)', { skip }, () => {
  let srv
  before(async () => {
    srv = await startServer({ db: 'postgresql', demo: true })
  })
  after(async () => {
    await srv?.stop()
  })

  test('the second draw files the member', async () => {
    const xian = await login(srv, 'demo-xian')
    const org = (await xian.get('/employers?q=' + encodeURIComponent('长安精密'))).body.items[0].org_id
    const taken = await sql(srv, 'postgresql', 'SELECT card_no FROM members ORDER BY id LIMIT 1')
    await sql(srv, 'postgresql', `
      CREATE TABLE clash_once (n int);
      INSERT INTO clash_once VALUES (1);
      CREATE FUNCTION clash() RETURNS trigger AS $f$
      BEGIN
        IF EXISTS (SELECT 1 FROM clash_once) THEN
          DELETE FROM clash_once;
          NEW.card_no := '${taken}';
        END IF;
        RETURN NEW;
      END $f$ LANGUAGE plpgsql;
      CREATE TRIGGER clash BEFORE INSERT ON members FOR EACH ROW EXECUTE FUNCTION clash();`)
    const res = await xian.post('/members', { name: '撞号会员', id_card: idCard('610103', '19880808', '321'), joined_on: '2020-01-01', org_id: org })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.notEqual(res.body.card_no, taken)
    assert.equal(await sql(srv, 'postgresql', 'SELECT COUNT(*) FROM clash_once'), '0', 'the clash did happen')
  })
})
