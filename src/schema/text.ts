import { z } from "zod";

/**
 * A string field stored as text (a name, an id): 1 to `max` characters, none of them NUL. Postgres
 * text cannot hold U+0000, so refusing it here gives a 4xx naming the field on every store rather
 * than an error from one of them.
 */
export const text = (max: number) => z.string().min(1).max(max).regex(/^[^\u0000]*$/, "must not contain the NUL character (\\u0000)");
