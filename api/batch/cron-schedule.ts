// A CronJob's schedule: standard 5-field cron (minute hour day-of-month month day-of-week,
// day-of-month and day-of-week OR-ed as Vixie cron does) and the @yearly/@annually/@monthly/
// @weekly/@daily/@midnight/@hourly macros, evaluated in an IANA time zone (UTC by default —
// kube-controller-manager's own zone, which for Skiff is UTC). Parsing and "next run after"
// come from croner; this module only narrows it to what robfig/cron's ParseStandard accepts
// where Kubernetes would refuse (six fields, TZ= prefixes).
import { Cron } from 'croner';

export class ScheduleParseError extends Error {}

const MACROS: Record<string, string> = { '@midnight': '@daily' };

export interface Schedule {
  /** The first activation strictly after `t`, or undefined if the schedule never fires again. */
  next(t: Date): Date | undefined;
}

/** Parse `schedule` for `timeZone` (IANA name; undefined = UTC); throws ScheduleParseError. */
export function parseSchedule(schedule: string, timeZone?: string): Schedule {
  const trimmed = schedule.trim();
  const pattern = MACROS[trimmed] ?? trimmed;
  if (!pattern.startsWith('@')) {
    const fields = pattern.split(/\s+/).filter(Boolean);
    if (fields.length !== 5) throw new ScheduleParseError(`Expected exactly 5 fields, found ${fields.length}: ${JSON.stringify(schedule)}`);
  } else if (pattern.startsWith('@every')) {
    throw new ScheduleParseError('@every is not supported; use a 5-field schedule');
  }
  let cron: Cron;
  try {
    cron = new Cron(pattern, { paused: true, legacyMode: true, timezone: timeZone ?? 'UTC' });
  } catch (e) {
    throw new ScheduleParseError(String((e as Error).message).replace(/^CronPattern: /, ''));
  }
  return {
    next(t: Date): Date | undefined {
      // croner works to the second: ask from the last second of `t`'s minute-or-later so a
      // time on a schedule boundary is not returned as its own successor.
      return cron.nextRun(new Date(Math.floor(t.getTime() / 1000) * 1000)) ?? undefined;
    },
  };
}

/** time.LoadLocation's check: an IANA zone this runtime knows. The error reads like Go's. */
export function timeZoneError(timeZone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return undefined;
  } catch {
    return `unknown time zone ${timeZone}`;
  }
}
