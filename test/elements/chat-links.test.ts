import { expect } from '@open-wc/testing';
import { splitLinks } from '../../src/components/chat/links.js';

describe('chat links', () => {
  it('splits http(s) links out of the text, leaving the sentence’s punctuation outside', () => {
    expect(splitLinks('see https://a.invalid/x?y=1, and (http://b.invalid/c).')).to.deep.equal([
      { text: 'see ' },
      { url: 'https://a.invalid/x?y=1' },
      { text: ', and (' },
      { url: 'http://b.invalid/c' },
      { text: ').' },
    ]);
  });

  it('keeps anything that is not http(s) as text, and text without links whole', () => {
    expect(splitLinks('javascript:alert(1) data:text/html,x ftp://c.invalid')).to.deep.equal([
      { text: 'javascript:alert(1) data:text/html,x ftp://c.invalid' },
    ]);
    expect(splitLinks('')).to.deep.equal([]);
    expect(splitLinks('https://only.invalid')).to.deep.equal([{ url: 'https://only.invalid' }]);
  });

  it('stops a link at quotes and angle brackets', () => {
    expect(splitLinks('<https://a.invalid/"x>')).to.deep.equal([{ text: '<' }, { url: 'https://a.invalid/' }, { text: '"x>' }]);
  });
});
