import { IsName, IsStr, Required, validateInput } from './validation';
import { ValidationError } from './errors';

class NameDto {
  @IsName()
  @IsStr()
  @Required()
  name: string;
}

class StrictNameDto extends NameDto {
  static readonly forbidUnknownFields = true;
}

const fieldErrors = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.params.errors;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('validateInput with keys that name object internals', () => {
  // class-transformer takes a nested object's own `constructor` as the class to build it with.
  it.each([
    ['{"name": "team", "a": {"constructor": "x"}}'],
    ['{"name": "team", "a": {"constructor": {"prototype": {"polluted": true}}}}'],
    ['{"name": "team", "a": [{"b": {"constructor": 1}}]}'],
    ['{"name": "team", "a": {"__proto__": {"polluted": true}, "prototype": {}, "toString": "x"}}'],
    ['{"name": "team", "constructor": "x", "__proto__": {"name": "other"}, "prototype": 1, "toString": 2}'],
  ])('ignores them in unknown fields at any depth: %s', (json) => {
    const dto = validateInput(NameDto, JSON.parse(json));
    expect(dto).toBeInstanceOf(NameDto);
    expect({ ...dto }).toEqual({ name: 'team' });
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it.each([
    ['{"name": {"constructor": "x"}}'],
    ['{"name": {"__proto__": "x"}}'],
    ['{"name": {"prototype": "x", "toString": "y"}}'],
    ['{"name": [{"constructor": "x"}]}'],
  ])('refuses them as a known field of the wrong type: %s', (json) => {
    expect(fieldErrors(() => validateInput(NameDto, JSON.parse(json)))).toEqual([
      { loc: ['body', 'name'], msg: 'str type expected', type: 'type_error.str' },
    ]);
  });

  it('reports the known field missing when only such keys are sent', () => {
    expect(fieldErrors(() => validateInput(NameDto, JSON.parse('{"a": {"constructor": "x"}}')))).toEqual([
      { loc: ['body', 'name'], msg: 'field required', type: 'value_error.missing' },
    ]);
  });

  it('refuses them as extra fields where unknown fields are refused', () => {
    const input = JSON.parse('{"name": "team", "constructor": "x", "__proto__": {}, "prototype": 1, "toString": 2}');
    expect(fieldErrors(() => validateInput(StrictNameDto, input, 'body', { forbidUnknown: true }))).toEqual([
      { loc: ['body', 'prototype'], msg: 'extra fields not permitted', type: 'value_error.extra' },
      { loc: ['body', 'constructor'], msg: 'extra fields not permitted', type: 'value_error.extra' },
      { loc: ['body', '__proto__'], msg: 'extra fields not permitted', type: 'value_error.extra' },
      { loc: ['body', 'toString'], msg: 'extra fields not permitted', type: 'value_error.extra' },
    ]);
  });

  it('keeps a strict DTO accepting its own fields', () => {
    expect({ ...validateInput(StrictNameDto, { name: 'team' }, 'body', { forbidUnknown: true }) }).toEqual({
      name: 'team',
    });
  });
});
