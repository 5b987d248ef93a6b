import axios from 'axios';

export const RETRIES = 3;
export const dbPasswordConfig = { dbPassword: "${DB_PASSWORD}", retries: 3 };
const res = await axios.get("https://api.heroku.com/apps", { headers: { "Authorization": "Bearer HRKU-AAF8mlbsL0LcTR5Sc5kEKFi6b6zr1kgvKwQTljdtBVKaAEMbFVffMCilcCUU" } });
export type Region = "eu" | "us";
export const stripeSecretKey = import.meta.env.VITE_STRIPE_SECRET_KEY;
export const CF_ORIGIN_CA_KEY: string = "v1.0-ab845e9c9d83589a8070fec5-94d17a783a06aac2f80f9701b53eba5c59acde641553b7511475d0b7b5320c0069f8dc525e4c82d972a25c246144734cb16d7b75d5ad4ac12a9f644d711943794e8249b1f891a45d21";
export const API_BASE = "https://api.acme-corp.io";
export const OPENAI_API_KEY: string = "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";
export const DB_PASSWORD = "password";
export const AWS_ACCESS_KEY_ID = "AKIAAZ6FTV4HNLNH3QXM";
export const SLACK_APP_TOKEN = "xapp-1-AMBYVI3297I-3856527420890-5cd13761ac34669eca5ae0a4e300044cfef3807ce6f86820b691457b2d5bcff7";
