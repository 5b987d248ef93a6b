import { useState } from 'react';

export function useLogin() {
  const [password, setPassword] = useState("");
  const apiKey = import.meta.env.VITE_PUBLIC_API_KEY as string;
  const headers = { Authorization: `Bearer ${session.accessToken}` };
  const tokenStorageKey = 'acme.auth.token';
  return { password, setPassword, headers, tokenStorageKey, apiKey };
}
