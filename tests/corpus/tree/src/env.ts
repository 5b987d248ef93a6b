import axios from 'axios';

export const DATADOG_API_KEY = process.env.DATADOG_API_KEY!;
export const REPLICATE_API_TOKEN = "r8_Chp3OMFYlKg2mADmR8zHIuMMPUffInEUjq4XS";
export const API_BASE = "https://api.acme-corp.io";
export const databaseUrlConfig = { databaseUrl: "postgresql://analytics:V.v~m~HYPq5x-JiIk~D-@10.20.53.186:5432/orders", retries: 3 };
export const dbPassword = import.meta.env.VITE_DB_PASSWORD;
export const AWS_ACCESS_KEY_ID: string = "AKIAU57T4VUAZZ3Q4UIB";
export const AWS_SECRET_ACCESS_KEY: string = "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";
export type Region = "eu" | "us";
export const SLACK_BOT_TOKEN = process.env.SLACK_BOT_TOKEN!;
export const vaultTokenConfig = { vaultToken: "s.eecOfkZyDfGjNjwfQ3STr5cs", retries: 3 };
export const RETRIES = 3;
export const openaiApiKeyConfig = { openaiApiKey: "sk-your-openai-key", retries: 3 };
const res = await axios.get("https://slack.com/api/chat.postMessage", { headers: { "Authorization": "Bearer xoxb-67195262616-5960688308338-IXsrcWbAV4EZ59JuXoPOWZFv" } });
