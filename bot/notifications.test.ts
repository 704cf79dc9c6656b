import { describe, expect, it } from 'vitest';
import { notificationRequest } from './notifications.js';

// The opt-out/opt-in detector on what customers write, and on look-alikes that must not match.

describe('notificationRequest', () => {
  it('hears a request to stop order updates', () => {
    for (const t of [
      'stop order notifications',
      'Stop sending me order updates',
      'turn off notifications',
      'please turn off the shipping alerts',
      'switch off order updates please',
      "don't send me any more updates",
      'I don’t want notifications',
      'no more delivery updates thanks',
      'unsubscribe',
      'Unsubscribe me please',
      'opt out',
      'can you stop sending me these notifications?',
      'disable order alerts',
      'mute notifications',
      'notifications off please',
      'stop messages about my orders',
      'turn off updates on my order',
    ]) {
      expect(notificationRequest(t), t).toBe('off');
    }
  });

  it('hears a request to turn them back on', () => {
    for (const t of ['turn on order updates', 'Turn notifications back on', 'turn my order updates back on', 'enable notifications', 'resume order updates', 'start sending me delivery updates again', 'resubscribe', 'opt back in', 'notifications on please', 'subscribe me to order updates']) {
      expect(notificationRequest(t), t).toBe('on');
    }
  });

  it('leaves everything else to the bot', () => {
    for (const t of [
      'where is my order?',
      'any update on my order?',
      'any updates on my order 536365',
      'stop my order',
      'cancel my order',
      'I want to update my address',
      'why did my notifications stop?',
      "please don't stop the updates",
      'show me headphones',
      'stop',
      'what is your return policy',
      'I need an update on my refund',
      'the tracking updates are not loading',
    ]) {
      expect(notificationRequest(t), t).toBeNull();
    }
  });
});
