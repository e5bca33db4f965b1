import { SECURITY_QUESTIONS, answerProblem, normaliseAnswer } from './security-questions.js';

describe('SECURITY_QUESTIONS', () => {
  it('offers a choice of 15 to 20 questions', () => {
    expect(SECURITY_QUESTIONS.length).toBeGreaterThanOrEqual(15);
    expect(SECURITY_QUESTIONS.length).toBeLessThanOrEqual(20);
  });

  it('has unique kebab-case ids', () => {
    const ids = SECURITY_QUESTIONS.map((question) => question.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('asks each question as a question', () => {
    for (const { text } of SECURITY_QUESTIONS) expect(text).toMatch(/^[A-Z].*\?$/);
  });
});

describe('normaliseAnswer', () => {
  it.each([
    ['fluffy', 'fluffy'],
    ['  Fluffy! ', 'fluffy'],
    ['FLUFFY', 'fluffy'],
    ['"Fluffy."', 'fluffy'],
    ['...fluffy?!', 'fluffy'],
    ['Mr  Whiskers', 'mr whiskers'],
    ['Mr\tWhiskers\n', 'mr whiskers'],
    ['Mr. Whiskers', 'mr. whiskers'],
    ['O’Brien', "o'brien"],
    ['Ｆｌｕｆｆｙ', 'fluffy'],
    ['Cafe\u0301', 'café'],
    ['  !?  ', ''],
    ['', ''],
  ])('%j becomes %j', (answer, normalised) => {
    expect(normaliseAnswer(answer)).toBe(normalised);
  });
});

describe('answerProblem', () => {
  it.each([
    ['first-pet', 'Fluffy', null],
    ['first-pet', '  Rex! ', null],
    ['favourite-food', 'Pie', null],
    ['favourite-food', 'my favourite food is pie', null],
    ['first-car', 'Ford Fiesta', null],
    ['first-pet', 'x'.repeat(100), null],
    ['no-such-question', 'Fluffy', 'Choose a question from the list.'],
    ['first-pet', '', 'Your answer must be 3 characters or more.'],
    ['first-pet', 'Al', 'Your answer must be 3 characters or more.'],
    ['first-pet', ' Al!! ', 'Your answer must be 3 characters or more.'],
    ['first-pet', 'x'.repeat(101), 'Your answer must be 100 characters or fewer.'],
    ['first-pet', 'pet', 'Your answer cannot just repeat words from the question. Enter the answer itself.'],
    ['first-pet', 'The name of my first pet', null],
    [
      'first-pet',
      'First Pet!',
      'Your answer cannot just repeat words from the question. Enter the answer itself.',
    ],
    [
      'favourite-food',
      'favourite food',
      'Your answer cannot just repeat words from the question. Enter the answer itself.',
    ],
  ])('%s with %j: %j', (questionId, answer, problem) => {
    expect(answerProblem(questionId, answer)).toBe(problem);
  });
});
