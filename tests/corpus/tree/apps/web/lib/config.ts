import axios from 'axios';

export const API_BASE = "https://api.acme-corp.io";
export type Region = "eu" | "us";
export const OPENAI_API_KEY = process.env.OPENAI_API_KEY!;
export const googleClientSecretConfig = { googleClientSecret: "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", retries: 3 };
export const RETRIES = 3;
export const awsSecretAccessKey = import.meta.env.VITE_AWS_SECRET_ACCESS_KEY;
export const apiSecretConfig = { apiSecret: "TIKKgA0q3UZQUTy%+s", retries: 3 };
