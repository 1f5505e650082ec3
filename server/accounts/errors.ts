/** Account errors; they carry an HTTP status so the one error handler renders them as Phosor does. */
import { HttpError } from '../http-error';
import { microToCredits } from './credits';

/** The balance does not cover a charge (Phosor answers 402). */
export class InsufficientCreditsError extends HttpError {
  constructor(
    readonly balanceMicro: number,
    readonly costMicro: number,
  ) {
    super(
      402,
      'insufficient_credits',
      `Insufficient credits: this costs ${microToCredits(costMicro)} credits and the balance is ${microToCredits(balanceMicro)}; add credits and retry.`,
    );
    this.name = 'InsufficientCreditsError';
  }
}

/** A job was already charged; charging it again would take its price twice. */
export class JobAlreadyChargedError extends HttpError {
  constructor(readonly jobId: string) {
    super(409, 'job_already_charged', `Job ${jobId} has already been charged; a job is charged once.`);
    this.name = 'JobAlreadyChargedError';
  }
}

/** The user already holds the maximum number of active keys. */
export class KeyLimitError extends HttpError {
  constructor(limit: number) {
    super(
      400,
      'key_limit_reached',
      `A user may hold at most ${limit} active API keys; revoke one (DELETE /api/v1/keys/{key_id}) first.`,
    );
    this.name = 'KeyLimitError';
  }
}

/** An email that already has an account. */
export class EmailTakenError extends Error {
  constructor(email: string) {
    super(`A user with email ${email} already exists.`);
    this.name = 'EmailTakenError';
  }
}

/** No user with that id or email. */
export class UnknownUserError extends Error {
  constructor(who: string) {
    super(`No user ${who}; create one with \`npm run admin -- create-user --email … --tier …\`.`);
    this.name = 'UnknownUserError';
  }
}
