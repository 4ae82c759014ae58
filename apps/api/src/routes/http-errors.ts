/** The one shape of every error body: a stable code, a sentence for people, details when useful. */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly details?: readonly { readonly path: string; readonly message: string }[];
  readonly requestId?: string;
}

export function errorBody(
  error: string,
  message: string,
  details?: ErrorBody['details'],
): ErrorBody {
  return details === undefined ? { error, message } : { error, message, details };
}
