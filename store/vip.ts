import type { DB } from './db.js';
import { StoreError } from './errors.js';

// VIP customers (migration 11: customers.vip). Their hand-off tickets go ahead in the queue and the
// agents' queue shows them as VIP. Set by admins (console's Team page, `npm run agents -- vip`).

export interface VipCustomer {
  id: string;
  name: string;
  email: string | null;
}

export class VipRepo {
  private readonly setStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly byEmail;

  constructor(db: DB) {
    this.setStmt = db.prepare<[number, string]>('UPDATE customers SET vip = ? WHERE id = ?');
    this.getStmt = db.prepare<[string], number>('SELECT vip FROM customers WHERE id = ?').pluck();
    this.listStmt = db.prepare<[number], VipCustomer>('SELECT id, name, email FROM customers WHERE vip = 1 ORDER BY name, id LIMIT ?');
    this.byEmail = db.prepare<[string], { id: string }>('SELECT id FROM customers WHERE email = ? ORDER BY created_at LIMIT 1');
  }

  /** Marks a customer (by id, or by e-mail when it contains '@') VIP or not; returns the customer id. */
  set(idOrEmail: string, vip: boolean): string {
    if (typeof idOrEmail !== 'string' || !idOrEmail.trim()) throw new StoreError('invalid_input', 'name a customer by id or e-mail');
    const key = idOrEmail.trim();
    const id = key.includes('@') ? this.byEmail.get(key)?.id : key;
    if (!id || this.setStmt.run(vip ? 1 : 0, id).changes === 0) throw new StoreError('not_found', `no customer ${key}`);
    return id;
  }

  isVip(customerId: string | null | undefined): boolean {
    return !!customerId && this.getStmt.get(customerId) === 1;
  }

  list(limit = 200): VipCustomer[] {
    return this.listStmt.all(Math.max(1, Math.min(1000, Math.trunc(limit))));
  }
}
