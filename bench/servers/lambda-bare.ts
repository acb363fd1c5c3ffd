// The floor: a Lambda handler that answers 200 and does nothing else.
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({ statusCode: 200, body: '{"status":"received"}' });
