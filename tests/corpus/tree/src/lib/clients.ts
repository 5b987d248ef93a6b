import { loadStripe } from '@stripe/stripe-js';
import mapboxgl from 'mapbox-gl';

export const stripePromise = loadStripe('pk_live_51TuN5UcGeWmT1X4r8Mt8Ye7XjU4tzuoDPtTDtfgsSp1hIfFdK7NrK4kGIRE93DWqkyPK7QlB7voKQNzdJ1AQq3Xqgs0V67jvM6');
mapboxgl.accessToken = 'pk.eyJ1IjoiYWNtZWNvcnAiLCJhIjoiaHo3dHhwZGR5eWJtcWkzajd0MTFwZWYxZCJ9.54ZplAX0V0XAX4d7vMM44D';
export const GOOGLE_CLIENT_ID = '478361380610-swncmad7v1t0hqgwg5sewnkb71mz38dd.apps.googleusercontent.com';
const loginUrl = `https://accounts.google.com/o/oauth2/v2/auth?client_id=${GOOGLE_CLIENT_ID}&state=eyJyZXR1cm5UbyI6ICIvYmlsbGluZyIsICJub25jZSI6ICJVWFZ6cGZRYTJnb3IzSEVyIn0`;
