import { StoreError } from './errors.js';
import type { Sql } from './sql/executor.js';

// VIP customers (migration 11: customers.vip). Their hand-off tickets go ahead in the queue and the
// agents' queue shows them as VIP. Set by admins (console's Team page, `npm run agents -- vip`).

export interface VipCustomer {
  id: string;
  name: string;
  email: string | null;
}

export class VipRepo {
  constructor(private readonly sql: Sql) {}

  /** Marks a customer (by id, or by e-mail when it contains '@') VIP or not; returns the customer id. */
  async set(idOrEmail: string, vip: boolean, sql: Sql = this.sql): Promise<string> {
    if (typeof idOrEmail !== 'string' || !idOrEmail.trim()) throw new StoreError('invalid_input', 'name a customer by id or e-mail');
    const key = idOrEmail.trim();
    const id = key.includes('@')
      ? (await sql.get<{ id: string }>('SELECT id FROM customers WHERE lower(email) = lower(?) ORDER BY created_at LIMIT 1', [key]))?.id
      : key;
    if (!id || (await sql.run('UPDATE customers SET vip = ? WHERE id = ?', [vip ? 1 : 0, id])).changes === 0) throw new StoreError('not_found', `no customer ${key}`);
    return id;
  }

  async isVip(customerId: string | null | undefined, sql: Sql = this.sql): Promise<boolean> {
    if (!customerId) return false;
    const row = await sql.get<{ vip: number }>('SELECT vip FROM customers WHERE id = ?', [customerId]);
    return Number(row?.vip) === 1;
  }

  async list(limit = 200, sql: Sql = this.sql): Promise<VipCustomer[]> {
    return sql.all<VipCustomer>('SELECT id, name, email FROM customers WHERE vip = 1 ORDER BY name, id LIMIT ?', [Math.max(1, Math.min(1000, Math.trunc(limit)))]);
  }
}
