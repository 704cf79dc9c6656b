import { describe, expect, it } from 'vitest';
import { cardReference, compareAsked, extremeAsked, featureAsked } from './shown-questions.js';

describe('questions about the cards just shown', () => {
  it('finds which card a longer question is about', () => {
    expect(cardReference('does the 2nd one switch off automatically when water boils')).toBe(1);
    expect(cardReference('is the 3rd one really waterproof or just splash proof')).toBe(2);
    expect(cardReference('will the first one work with my jio fiber router')).toBe(0);
    expect(cardReference('option 3 pls')).toBe(2);
    expect(cardReference('is it waterproof')).toBeNull();
    expect(cardReference('my first order')).toBeNull();
  });

  it('finds the two cards to compare', () => {
    expect(compareAsked('compare first two')).toEqual([0, 1]);
    expect(compareAsked('compare 1 and 3')).toEqual([0, 2]);
    expect(compareAsked('whats the difference between the second and third one')).toEqual([1, 2]);
    expect(compareAsked('2nd vs 4th?')).toEqual([1, 3]);
    expect(compareAsked('compare these two')).toEqual([0, 1]);
    expect(compareAsked('which is the best phone')).toBeNull();
  });

  it('reads which measure a superlative asks about', () => {
    expect(extremeAsked('which one has the biggest battery')).toEqual({ unit: 'mah', want: 'max' });
    expect(extremeAsked('which is the lightest')).toEqual({ unit: 'kg', want: 'min' });
    expect(extremeAsked('which one has most storage?')).toEqual({ unit: 'gb', want: 'max' });
    expect(extremeAsked('which kettle has the largest capacity')).toEqual({ unit: 'litre', want: 'max' });
    expect(extremeAsked('which one is best')).toBeNull();
  });

  it('reads a choice between two cards and a feature asked of those shown', () => {
    expect(compareAsked('which is better, 1st or 3rd')).toEqual([0, 2]);
    expect(compareAsked('2nd and 3rd me difference?')).toEqual([1, 2]);
    expect(compareAsked('which is better for gaming')).toBeNull();
    expect(featureAsked('which of these has touch buttons, my mom finds the push ones hard')).toEqual(['touch']);
    expect(featureAsked('in these which one comes with a chopper attachment')).toEqual(['chopper']);
    expect(featureAsked('which is better')).toBeNull();
    expect(featureAsked('which one has the biggest battery and the longest warranty and more')).toBeNull();
  });
});
