/** The middle value (of an even count, the upper of the two middle ones): what the bench reports as a figure's median. */
export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
