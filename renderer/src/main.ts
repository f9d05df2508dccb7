// Renderer entry: Vue app + Pinia. Everything the backend does is reached through services/api.ts.
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import './styles/base.css'

createApp(App).use(createPinia()).mount('#app')
