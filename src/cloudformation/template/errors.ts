/** The one error a template or stack request gets from CloudFormation: ValidationError (400). */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    message: string,
    /** CloudFormation's error code: ValidationError unless another one is documented. */
    readonly code = 'ValidationError',
  ) {
    super(message);
  }
}

export function templateError(message: string, code = 'ValidationError'): TemplateError {
  return new TemplateError(message, code);
}

export const isTemplateError = (e: unknown): e is TemplateError => e instanceof TemplateError;
