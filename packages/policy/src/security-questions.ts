// The predefined security questions staff choose from, modelled on Microsoft Entra SSPR's list.
// Answers are compared after normaliseAnswer, so "  Fluffy! " and "fluffy" match.

export interface SecurityQuestion {
  /** Stable: stored against each answer, so never change or reuse one. */
  id: string;
  text: string;
}

export const SECURITY_QUESTIONS: readonly SecurityQuestion[] = [
  { id: 'first-partner-city', text: 'In what city or town did you meet your first spouse or partner?' },
  { id: 'parents-met-city', text: 'In what city or town did your parents meet?' },
  { id: 'first-job-city', text: 'In what city or town was your first job?' },
  { id: 'father-birth-city', text: 'In what city or town was your father born?' },
  { id: 'first-pet', text: 'What was the name of your first pet?' },
  { id: 'childhood-nickname', text: 'What was your childhood nickname?' },
  { id: 'favourite-food', text: 'What is your favourite food?' },
  { id: 'first-concert', text: 'What was the first concert you attended?' },
  { id: 'childhood-best-friend', text: 'What was the full name of your childhood best friend?' },
  { id: 'first-car', text: 'What was the make and model of your first car or motorbike?' },
  { id: 'first-school', text: 'What was the name of the first school you attended?' },
  { id: 'birth-hospital', text: 'What was the name of the hospital where you were born?' },
  { id: 'childhood-street', text: 'What was the name of the street you lived on as a child?' },
  { id: 'childhood-hero', text: 'Who was your childhood hero?' },
  { id: 'favourite-soft-toy', text: 'What was the name of your favourite soft toy?' },
  { id: 'primary-teacher', text: 'What was the surname of your favourite primary school teacher?' },
  { id: 'school-sport', text: 'What was your favourite sport at secondary school?' },
  { id: 'childhood-ambition', text: 'When you were young, what did you want to be when you grew up?' },
  { id: 'famous-person', text: 'Who is the most famous person you have ever met?' },
];

const MIN_LENGTH = 3;
const MAX_LENGTH = 100;

const byId = new Map(SECURITY_QUESTIONS.map((question) => [question.id, question]));

export function normaliseAnswer(answer: string): string {
  return (
    answer
      .normalize('NFKC')
      .toLocaleLowerCase('en-GB')
      // Phones type curly quotes where keyboards type straight ones: "O’Brien" must match "O'Brien".
      .replace(/[‘’]/gu, "'")
      .replace(/[“”]/gu, '"')
      .replace(/\s+/gu, ' ')
      .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '')
  );
}

export function answerProblem(questionId: string, answer: string): string | null {
  const question = byId.get(questionId);
  if (!question) return 'Choose a question from the list.';

  const normalised = normaliseAnswer(answer);
  const length = [...normalised].length;
  if (length < MIN_LENGTH) return `Your answer must be ${MIN_LENGTH} characters or more.`;
  if (length > MAX_LENGTH) return `Your answer must be ${MAX_LENGTH} characters or fewer.`;

  const questionWords = new Set(words(question.text));
  if (words(normalised).every((word) => questionWords.has(word))) {
    return 'Your answer cannot just repeat words from the question. Enter the answer itself.';
  }
  return null;
}

function words(text: string): string[] {
  return normaliseAnswer(text)
    .split(/[^\p{L}\p{N}']+/u)
    .filter(Boolean);
}
